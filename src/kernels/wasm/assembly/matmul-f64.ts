/*
 * Matrix product with float64 accumulation: float64 data, or float32 data widened while packing
 * (the precise float32 option: every product and sum in float64, rounded once when copied out).
 * Same blocking as matmul-f32.ts with a 4×4 tile of float64 (8 f64x2 accumulators; 6×4 spilled in V8:
 * 6.4 against 9.7 GMAC/s on 512³, 6.2 against 9.0 on the CNN's dense layers; the relaxed-SIMD build's
 * fused multiply-adds need fewer registers, and there 6×4 was 5 % faster, 11.7 against 11.0), so half the
 * lanes per instruction of the float32 path. C is float64 and accumulates across K blocks.
 */
import { madd64 } from './lanes';
import { packF64 } from './matmul-pack';

const MR = 4;
const NR = 4;
export const KC_F64 = 256;
// MC is a multiple of MR and NC of NR: packed panels are whole.
export const MC_F64 = 60;
export const NC_F64 = 512;

/** Doubles of the scratch tile a caller passes as `edge`. */
export const EDGE_F64 = MR * NR;

/** Copies a rows×cols block of f64 between row strides (bytes), for tiles over the matrix edge. */
function copyTile(src: usize, srcStride: usize, dst: usize, dstStride: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f64>(dst + <usize>i * dstStride + (<usize>j << 3), load<f64>(src + <usize>i * srcStride + (<usize>j << 3)));
  }
}

/** C tile (4×4 at c, row stride ldc elements) = or += packed A panel · packed B panel over kc. */
function kernel4x4(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool, edge: usize): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  // Not unrolled: V8 hoists every load of an unrolled body to its top and then spills.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load64_splat(a, 0);
    c00 = madd64(a0, b0, c00);
    c01 = madd64(a0, b1, c01);
    const a1 = v128.load64_splat(a, 8);
    c10 = madd64(a1, b0, c10);
    c11 = madd64(a1, b1, c11);
    const a2 = v128.load64_splat(a, 16);
    c20 = madd64(a2, b0, c20);
    c21 = madd64(a2, b1, c21);
    const a3 = v128.load64_splat(a, 24);
    c30 = madd64(a3, b0, c30);
    c31 = madd64(a3, b1, c31);
    a += MR * 8;
    b += NR * 8;
  }
  const full = rows == MR && cols == NR;
  const t = full ? c : edge;
  const ld: usize = full ? <usize>ldc << 3 : NR * 8;
  if (!full && accumulate) copyTile(c, <usize>ldc << 3, t, ld, rows, cols);
  if (accumulate) {
    v128.store(t, f64x2.add(v128.load(t), c00));
    v128.store(t, f64x2.add(v128.load(t, 16), c01), 16);
    v128.store(t + 1 * ld, f64x2.add(v128.load(t + 1 * ld), c10));
    v128.store(t + 1 * ld, f64x2.add(v128.load(t + 1 * ld, 16), c11), 16);
    v128.store(t + 2 * ld, f64x2.add(v128.load(t + 2 * ld), c20));
    v128.store(t + 2 * ld, f64x2.add(v128.load(t + 2 * ld, 16), c21), 16);
    v128.store(t + 3 * ld, f64x2.add(v128.load(t + 3 * ld), c30));
    v128.store(t + 3 * ld, f64x2.add(v128.load(t + 3 * ld, 16), c31), 16);
  } else {
    v128.store(t, c00);
    v128.store(t, c01, 16);
    v128.store(t + 1 * ld, c10);
    v128.store(t + 1 * ld, c11, 16);
    v128.store(t + 2 * ld, c20);
    v128.store(t + 2 * ld, c21, 16);
    v128.store(t + 3 * ld, c30);
    v128.store(t + 3 * ld, c31, 16);
  }
  if (!full) copyTile(t, ld, c, <usize>ldc << 3, rows, cols);
}

/** C (float64, row stride ldc) = op(A)·op(B) with A, B of element type T; layout as in matMulF32. */
function matMulWide<T>(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  ars: i32, aps: i32, brs: i32, bps: i32, ldc: i32, packA: usize, packB: usize, edge: usize,
): void {
  if (k == 0) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) store<f64>(c + ((<usize>i * ldc + j) << 3), 0);
    return;
  }
  for (let jc = 0; jc < n; jc += NC_F64) {
    const nc = min(NC_F64, n - jc);
    // K blocks of equal depth (≤ KC_F64): a short last block would pay the per-tile costs for few steps.
    const kBlock = (k + (k + KC_F64 - 1) / KC_F64 - 1) / ((k + KC_F64 - 1) / KC_F64);
    for (let pc = 0; pc < k; pc += kBlock) {
      const kc = min(kBlock, k - pc);
      for (let jr = 0; jr < nc; jr += NR) {
        packF64<T>(b, brs, bps, jc + jr, min(NR, nc - jr), pc, kc, NR, packB + (<usize>(jr * kc) << 3));
      }
      for (let ic = 0; ic < m; ic += MC_F64) {
        const mc = min(MC_F64, m - ic);
        for (let ir = 0; ir < mc; ir += MR) {
          packF64<T>(a, ars, aps, ic + ir, min(MR, mc - ir), pc, kc, MR, packA + (<usize>(ir * kc) << 3));
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packB + (<usize>(jr * kc) << 3);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x4(
              kc, packA + (<usize>(ir * kc) << 3), bp, c + ((<usize>(ic + ir) * ldc + jc + jr) << 3), ldc,
              min(MR, mc - ir), min(NR, nc - jr), pc > 0, edge,
            );
          }
        }
      }
    }
  }
}

/** Float64 A and B, float64 C. */
export function matMulF64(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  ars: i32, aps: i32, brs: i32, bps: i32, ldc: i32, packA: usize, packB: usize, edge: usize,
): void {
  matMulWide<f64>(a, b, c, m, k, n, ars, aps, brs, bps, ldc, packA, packB, edge);
}

/** Float32 A and B, float64 C: every sum in float64, rounded once to float32 by the caller. */
export function matMulF32Wide(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  ars: i32, aps: i32, brs: i32, bps: i32, ldc: i32, packA: usize, packB: usize, edge: usize,
): void {
  matMulWide<f32>(a, b, c, m, k, n, ars, aps, brs, bps, ldc, packA, packB, edge);
}
