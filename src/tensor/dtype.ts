import { activeRecycler, create } from './recycler.js';

/** Element types a tensor can hold. Floats default to float32, as in TensorFlow. */
export type DType = 'float32' | 'float64' | 'int32';

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

export function dtypeOfArray(values: TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Float64Array) return 'float64';
  return 'int32';
}

/** The float type a result takes when an op turns integers into real numbers (exp, log, mean, ...). */
export function floatOf(dtype: DType): 'float32' | 'float64' {
  return dtype === 'float64' ? 'float64' : 'float32';
}
