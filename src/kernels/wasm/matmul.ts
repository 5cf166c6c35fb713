import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import type { KernelExports } from './exports.js';

/**
 * How float32 products accumulate: 'float32' (f32x4 sums, the speed of TF.js and PyTorch; error
 * grows like k·2^-24) or 'float64' (every sum in float64 and one rounding, DESIGN.md's rule, about
 * half the speed). Float64 data always accumulates in float64.
 */
export type MatMulAccumulation = 'float32' | 'float64';

/** Below this many multiply-adds the copies and call cost more than the TypeScript loop. */
const MIN_WORK = 4096;

export function wasmMatMul(w: KernelExports, arena: Arena, fallback: Kernels, accumulation: MatMulAccumulation): Kernels['matMul'] {
  return (a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride) => {
    const f32 = a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array;
    const f64 = a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array;
    if ((!f32 && !f64) || m * n * k < MIN_WORK) {
      return fallback.matMul(a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride);
    }
    const narrow = f32 && accumulation === 'float32';
    const inSize = f32 ? 4 : 8;
    const outSize = narrow ? 4 : 8;
    const [kc, mc, nc] = narrow
      ? [w.KC_F32.value, w.MC_F32.value, w.NC_F32.value]
      : [w.KC_F64.value, w.MC_F64.value, w.NC_F64.value];
    const packSize = narrow ? 4 : 8;
    const aLength = (batch - 1) * aBatchStride + m * k;
    const bLength = (batch - 1) * bBatchStride + k * n;
    arena.reset();
    const ap = arena.take(aLength * inSize);
    const bp = arena.take(bLength * inSize);
    const cp = arena.take(m * n * outSize);
    const packA = arena.take(mc * kc * packSize);
    const packB = arena.take(kc * nc * packSize);
    arena.commit();
    const inView = f32 ? arena.f32 : arena.f64;
    inView.set(a.subarray(0, aLength), ap / inSize);
    inView.set(b.subarray(0, bLength), bp / inSize);
    const run = narrow ? w.matMulF32 : f32 ? w.matMulF32Wide : w.matMulF64;
    const outView = narrow ? arena.f32 : arena.f64;
    const ci = cp / outSize;
    for (let t = 0; t < batch; t++) {
      run(ap + t * aBatchStride * inSize, bp + t * bBatchStride * inSize, cp, m, k, n, transposeA, transposeB, packA, packB);
      // A float64 result copied into a Float32Array rounds once here.
      out.set(outView.subarray(ci, ci + m * n), t * m * n);
    }
  };
}
