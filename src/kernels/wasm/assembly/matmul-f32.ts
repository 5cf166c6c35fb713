/*
 * Float32 matrix product C = op(A)·op(B) with float32 accumulation (the speed path; see
 * matmul-f64.ts for float64 accumulation). GotoBLAS blocking: a KC×NC block of B and an MC×KC
 * block of A are packed (matmul-pack.ts), then a 4×8 register tile of C accumulates over KC
 * in 8 f32x4 accumulators: per p, two B vectors, four broadcast A values, 8 multiply-adds. V8's
 * x64 code has 16 vector registers: a 6×8 tile's 12 accumulators, two B vectors and a broadcast
 * spilled, and ran at 11.3 GMAC/s on 512³ against the 4×8 tile's 18.0 (Node 20, this project's
 * Zen 5 host, median of 40 calls after 20).
 * SIMD128 has no fused multiply-add: the baseline build spends a mul and an add per step, the
 * relaxed-SIMD build one relaxed_madd (see lanes.ts).
 */
import { madd32 } from './lanes';
import { packF32 } from './matmul-pack';

const MR = 4;
const NR = 8;
export const KC_F32 = 256;
// MC is a multiple of MR and NC of NR: packed panels are whole.
export const MC_F32 = 120;
export const NC_F32 = 1024;

/** Floats of the scratch tile a caller passes as `edge` (for tiles over the matrix edge). */
export const EDGE_F32 = MR * NR;

/** Copies a rows×cols block of f32 between row strides (bytes), for tiles over the matrix edge. */
function copyTile(src: usize, srcStride: usize, dst: usize, dstStride: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<f32>(dst + <usize>i * dstStride + (<usize>j << 2), load<f32>(src + <usize>i * srcStride + (<usize>j << 2)));
  }
}

/** C tile (4×8 at c, row stride ldc elements) = or += packed A panel · packed B panel over kc. */
function kernel4x8(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool, edge: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // Not unrolled: V8 hoists every load of an unrolled body to its top and then spills.
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a, 0);
    c00 = madd32(a0, b0, c00);
    c01 = madd32(a0, b1, c01);
    const a1 = v128.load32_splat(a, 4);
    c10 = madd32(a1, b0, c10);
    c11 = madd32(a1, b1, c11);
    const a2 = v128.load32_splat(a, 8);
    c20 = madd32(a2, b0, c20);
    c21 = madd32(a2, b1, c21);
    const a3 = v128.load32_splat(a, 12);
    c30 = madd32(a3, b0, c30);
    c31 = madd32(a3, b1, c31);
    a += MR * 4;
    b += NR * 4;
  }
  const full = rows == MR && cols == NR;
  const t = full ? c : edge;
  const ld: usize = full ? <usize>ldc << 2 : NR * 4;
  if (!full && accumulate) copyTile(c, <usize>ldc << 2, t, ld, rows, cols);
  if (accumulate) {
    v128.store(t, f32x4.add(v128.load(t), c00));
    v128.store(t, f32x4.add(v128.load(t, 16), c01), 16);
    v128.store(t + 1 * ld, f32x4.add(v128.load(t + 1 * ld), c10));
    v128.store(t + 1 * ld, f32x4.add(v128.load(t + 1 * ld, 16), c11), 16);
    v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld), c20));
    v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld, 16), c21), 16);
    v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld), c30));
    v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld, 16), c31), 16);
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
  if (!full) copyTile(t, ld, c, <usize>ldc << 2, rows, cols);
}

/**
 * C = op(A)·op(B) for one matrix pair, C being m×n with row stride ldc (elements) at c.
 * Element (i, p) of op(A) sits at a + (i·ars + p·aps)·4 and element (p, j) of op(B) at
 * b + (j·brs + p·bps)·4, which covers the four transpose combinations and sub-blocks of a larger
 * product (the threads split one product into row or column blocks). packA needs MC_F32·KC_F32
 * floats, packB KC_F32·NC_F32, edge MR·NR: each thread passes its own.
 */
export function matMulF32(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32,
  ars: i32, aps: i32, brs: i32, bps: i32, ldc: i32, packA: usize, packB: usize, edge: usize,
): void {
  if (k == 0) {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) store<f32>(c + ((<usize>i * ldc + j) << 2), 0);
    return;
  }
  for (let jc = 0; jc < n; jc += NC_F32) {
    const nc = min(NC_F32, n - jc);
    // K blocks of equal depth (≤ KC_F32): a short last block would pay the per-tile costs for few steps.
    const kBlock = (k + (k + KC_F32 - 1) / KC_F32 - 1) / ((k + KC_F32 - 1) / KC_F32);
    for (let pc = 0; pc < k; pc += kBlock) {
      const kc = min(kBlock, k - pc);
      for (let jr = 0; jr < nc; jr += NR) {
        packF32(b, brs, bps, jc + jr, min(NR, nc - jr), pc, kc, NR, packB + (<usize>(jr * kc) << 2));
      }
      for (let ic = 0; ic < m; ic += MC_F32) {
        const mc = min(MC_F32, m - ic);
        for (let ir = 0; ir < mc; ir += MR) {
          packF32(a, ars, aps, ic + ir, min(MR, mc - ir), pc, kc, MR, packA + (<usize>(ir * kc) << 2));
        }
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            kernel4x8(
              kc, packA + (<usize>(ir * kc) << 2), bp, c + ((<usize>(ic + ir) * ldc + jc + jr) << 2), ldc,
              min(MR, mc - ir), min(NR, nc - jr), pc > 0, edge,
            );
          }
        }
      }
    }
  }
}
