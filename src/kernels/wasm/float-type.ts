import type { TypedArray } from '../../tensor/dtype.js';

/** The wasm float type every given array shares (null entries are skipped), or null: mixed or int32 arrays go to the fallback. */
export function floatTypeOf(...arrays: (TypedArray | null)[]): 'F32' | 'F64' | null {
  if (arrays.every((a) => a === null || a instanceof Float32Array)) return 'F32';
  if (arrays.every((a) => a === null || a instanceof Float64Array)) return 'F64';
  return null;
}
