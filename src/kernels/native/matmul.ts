import type { Kernels } from '../types.js';
import type { MatMulAccumulation } from '../wasm/matmul.js';
import type { NativeAddon } from './addon.js';

/** From this many multiply-adds a product is split over the threads (an OpenMP wake-up costs microseconds). */
const MIN_PARALLEL_WORK = 1 << 18;

/**
 * matMul in native code for float32 and float64 (every transpose and batch stride, in place: no copies).
 * Float32 sums accumulate in float64 (rounded once) unless `accumulation` is 'float32'. Other dtypes: the fallback.
 */
export function nativeMatMul(addon: NativeAddon, fallback: Kernels, accumulation: MatMulAccumulation, threads: number): Kernels['matMul'] {
  const float32Sums = accumulation === 'float32';
  return (a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride) => {
    const f32 = a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array;
    const f64 = a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array;
    if (!f32 && !f64) return fallback.matMul(a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride);
    const t = m * n * k >= MIN_PARALLEL_WORK ? threads : 1;
    addon.matMul(a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride, float32Sums, t);
  };
}
