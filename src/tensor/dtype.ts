import { activeRecycler, create } from './recycler.js';

/** Element types a tensor can hold. Floats default to float32, as in TensorFlow. */
export type DType = 'float32' | 'float64' | 'int32';

/** The dtypes models compute in. */
export type FloatDType = 'float32' | 'float64';

export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

export function isDType(x: unknown): x is DType {
  return typeof x === 'string' && (DTYPES as readonly string[]).includes(x);
}

export function isFloat(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** Zero-filled storage for a tensor: from the active recycler while one runs (recycler.ts), else new. */
export function allocate(dtype: DType, size: number): TypedArray {
  const recycler = activeRecycler();
  return recycler && size > 0 ? recycler.take(dtype, size) : create(dtype, size);
}

/** Storage that outlives any recycled computation (optimizer slots): never taken from a recycler. */
export function allocateOwned(dtype: DType, size: number): TypedArray {
  return create(dtype, size);
}

/** Node's Buffer where there is one (not in browsers): it can hand out memory without zeroing it. */
const nodeBuffer = (globalThis as { Buffer?: { allocUnsafeSlow(size: number): { buffer: ArrayBufferLike } } }).Buffer;
/** Below this the zeroing is cheap and the typed-array constructor is faster. */
const UNZEROED_MIN_BYTES = 1 << 16;

/**
 * Like allocate, but big arrays are not zeroed where the runtime allows it: only for outputs a kernel
 * writes in full. Zeroing (and first touching) 8 MB costs about a millisecond, as much as a kernel pass.
 */
export function allocateUnzeroed(dtype: DType, size: number): TypedArray {
  const recycler = activeRecycler();
  if (recycler && size > 0) return recycler.take(dtype, size, false);
  const bytes = size * (dtype === 'float64' ? 8 : 4);
  if (nodeBuffer === undefined || bytes < UNZEROED_MIN_BYTES) return allocate(dtype, size);
  // allocUnsafeSlow never pools: the ArrayBuffer is this array's alone, from offset 0.
  const buffer = nodeBuffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer, 0, size);
    case 'float64':
      return new Float64Array(buffer, 0, size);
    case 'int32':
      return new Int32Array(buffer, 0, size);
  }
}

export function dtypeOfArray(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  return 'int32';
}

/** The float type a result takes when an op turns integers into real numbers (exp, log, mean, ...). */
export function floatOf(dtype: DType): 'float32' | 'float64' {
  return dtype === 'float64' ? 'float64' : 'float32';
}

/** The index of the first NaN or ±Infinity in `values`, or -1 when every value is finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}
