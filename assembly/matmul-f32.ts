/*
 * Float32 matrix product C = op(A)·op(B) with float32 accumulation (the speed path; see
 * matmul-f64.ts for float64 accumulation). GotoBLAS blocking: a KC×NC block of B and an MC×KC
 * block of A are packed (matmul-pack.ts), then a 4×8 register tile of C accumulates over KC
 * with 8 f32x4 accumulators: per p, two B vectors, four broadcast A values, 8 mul + 8 add.
 * SIMD128 has no fused multiply-add: the baseline build spends a mul and an add per step, the
 * relaxed-SIMD build one relaxed_madd (see lanes.ts).
 */
import { madd32 } from './lanes';
import { packF32 } from './matmul-pack';

const MR = 4;
const NR = 8;
export const KC_F32 = 256;
export const MC_F32 = 128;
export const NC_F32 = 1024;

// A full tile's partial results go here when the tile hangs over the matrix edge.
const EDGE_TILE: usize = memory.data(MR * NR * 4, 16);

/** C tile (4×8 at c, row stride ldc elements) = or += packed A panel · packed B panel over kc. */
function kernel4x8(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  // Unrolled by 4 so the loop counter and V8's per-iteration interrupt check cost less per step.
  let p = 0;
  let b0: v128, b1: v128, av: v128;
  for (; p + 4 <= kc; p += 4) {
    b0 = v128.load(b, 0);
    b1 = v128.load(b, 16);
    av = v128.load32_splat(a, 0);
    c00 = madd32(av, b0, c00);
    c01 = madd32(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd32(av, b0, c10);
    c11 = madd32(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd32(av, b0, c20);
    c21 = madd32(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd32(av, b0, c30);
    c31 = madd32(av, b1, c31);
    b0 = v128.load(b, 32);
    b1 = v128.load(b, 48);
    av = v128.load32_splat(a, 16);
    c00 = madd32(av, b0, c00);
    c01 = madd32(av, b1, c01);
    av = v128.load32_splat(a, 20);
    c10 = madd32(av, b0, c10);
    c11 = madd32(av, b1, c11);
    av = v128.load32_splat(a, 24);
    c20 = madd32(av, b0, c20);
    c21 = madd32(av, b1, c21);
    av = v128.load32_splat(a, 28);
    c30 = madd32(av, b0, c30);
    c31 = madd32(av, b1, c31);
    b0 = v128.load(b, 64);
    b1 = v128.load(b, 80);
    av = v128.load32_splat(a, 32);
    c00 = madd32(av, b0, c00);
    c01 = madd32(av, b1, c01);
    av = v128.load32_splat(a, 36);
    c10 = madd32(av, b0, c10);
    c11 = madd32(av, b1, c11);
    av = v128.load32_splat(a, 40);
    c20 = madd32(av, b0, c20);
    c21 = madd32(av, b1, c21);
    av = v128.load32_splat(a, 44);
    c30 = madd32(av, b0, c30);
    c31 = madd32(av, b1, c31);
    b0 = v128.load(b, 96);
    b1 = v128.load(b, 112);
    av = v128.load32_splat(a, 48);
    c00 = madd32(av, b0, c00);
    c01 = madd32(av, b1, c01);
    av = v128.load32_splat(a, 52);
    c10 = madd32(av, b0, c10);
    c11 = madd32(av, b1, c11);
    av = v128.load32_splat(a, 56);
    c20 = madd32(av, b0, c20);
    c21 = madd32(av, b1, c21);
    av = v128.load32_splat(a, 60);
    c30 = madd32(av, b0, c30);
    c31 = madd32(av, b1, c31);
    a += 4 * MR * 4;
    b += 4 * NR * 4;
  }
  for (; p < kc; p++) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd32(av, b0, c00);
    c01 = madd32(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd32(av, b0, c10);
    c11 = madd32(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd32(av, b0, c20);
    c21 = madd32(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd32(av, b0, c30);
    c31 = madd32(av, b1, c31);
    a += MR * 4;
    b += NR * 4;
  }
  const full = rows == MR && cols == NR;
  const t = full ? c : EDGE_TILE;
  const ld: usize = full ? <usize>ldc << 2 : NR * 4;
  if (!full && accumulate) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) store<f32>(t + <usize>i * ld + (<usize>j << 2), load<f32>(c + ((<usize>i * ldc + j) << 2)));
  }
  if (accumulate) {
    v128.store(t, f32x4.add(v128.load(t), c00));
    v128.store(t, f32x4.add(v128.load(t, 16), c01), 16);
    v128.store(t + ld, f32x4.add(v128.load(t + ld), c10));
    v128.store(t + ld, f32x4.add(v128.load(t + ld, 16), c11), 16);
    v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld), c20));
    v128.store(t + 2 * ld, f32x4.add(v128.load(t + 2 * ld, 16), c21), 16);
    v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld), c30));
    v128.store(t + 3 * ld, f32x4.add(v128.load(t + 3 * ld, 16), c31), 16);
  } else {
    v128.store(t, c00);
    v128.store(t, c01, 16);
    v128.store(t + ld, c10);
    v128.store(t + ld, c11, 16);
    v128.store(t + 2 * ld, c20);
    v128.store(t + 2 * ld, c21, 16);
    v128.store(t + 3 * ld, c30);
    v128.store(t + 3 * ld, c31, 16);
  }
  if (!full) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) store<f32>(c + ((<usize>i * ldc + j) << 2), load<f32>(t + <usize>i * ld + (<usize>j << 2)));
  }
}

/**
 * C (m×n, row-major at c) = op(A)·op(B) for one matrix pair. A is m×k (k×m stored when transA),
 * B is k×n (n×k stored when transB). packA needs MC_F32·KC_F32 floats, packB KC_F32·NC_F32.
 */
export function matMulF32(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, transB: bool, packA: usize, packB: usize,
): void {
  // Element (i, p) of op(A) at i·ars + p·aps; element (j, p) of op(B)ᵀ at j·brs + p·bps.
  const ars = transA ? 1 : k;
  const aps = transA ? m : 1;
  const brs = transB ? k : 1;
  const bps = transB ? 1 : n;
  if (k == 0) {
    for (let i = 0; i < m * n; i++) store<f32>(c + (<usize>i << 2), 0);
    return;
  }
  for (let jc = 0; jc < n; jc += NC_F32) {
    const nc = min(NC_F32, n - jc);
    for (let pc = 0; pc < k; pc += KC_F32) {
      const kc = min(KC_F32, k - pc);
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
              kc, packA + (<usize>(ir * kc) << 2), bp, c + ((<usize>(ic + ir) * n + jc + jr) << 2), n,
              min(MR, mc - ir), min(NR, nc - jr), pc > 0,
            );
          }
        }
      }
    }
  }
}
