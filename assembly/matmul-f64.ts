/*
 * Matrix product with float64 accumulation: float64 data, or float32 data widened while packing
 * (the precise float32 option: every product and sum in float64, rounded once when copied out).
 * Same blocking as matmul-f32.ts with a 4×4 tile of float64 (8 f64x2 accumulators), so half the
 * lanes per instruction of the float32 path. C is float64 and accumulates across K blocks.
 */
import { madd64 } from './lanes';
import { packF64 } from './matmul-pack';

const MR = 4;
const NR = 4;
export const KC_F64 = 256;
export const MC_F64 = 64;
export const NC_F64 = 512;

const EDGE_TILE: usize = memory.data(MR * NR * 8, 16);

function kernel4x4(kc: i32, a: usize, b: usize, c: usize, ldc: i32, rows: i32, cols: i32, accumulate: bool): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  let b0: v128, b1: v128, av: v128;
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    b0 = v128.load(b, 0);
    b1 = v128.load(b, 16);
    av = v128.load64_splat(a, 0);
    c00 = madd64(av, b0, c00);
    c01 = madd64(av, b1, c01);
    av = v128.load64_splat(a, 8);
    c10 = madd64(av, b0, c10);
    c11 = madd64(av, b1, c11);
    av = v128.load64_splat(a, 16);
    c20 = madd64(av, b0, c20);
    c21 = madd64(av, b1, c21);
    av = v128.load64_splat(a, 24);
    c30 = madd64(av, b0, c30);
    c31 = madd64(av, b1, c31);
    b0 = v128.load(b, 32);
    b1 = v128.load(b, 48);
    av = v128.load64_splat(a, 32);
    c00 = madd64(av, b0, c00);
    c01 = madd64(av, b1, c01);
    av = v128.load64_splat(a, 40);
    c10 = madd64(av, b0, c10);
    c11 = madd64(av, b1, c11);
    av = v128.load64_splat(a, 48);
    c20 = madd64(av, b0, c20);
    c21 = madd64(av, b1, c21);
    av = v128.load64_splat(a, 56);
    c30 = madd64(av, b0, c30);
    c31 = madd64(av, b1, c31);
    b0 = v128.load(b, 64);
    b1 = v128.load(b, 80);
    av = v128.load64_splat(a, 64);
    c00 = madd64(av, b0, c00);
    c01 = madd64(av, b1, c01);
    av = v128.load64_splat(a, 72);
    c10 = madd64(av, b0, c10);
    c11 = madd64(av, b1, c11);
    av = v128.load64_splat(a, 80);
    c20 = madd64(av, b0, c20);
    c21 = madd64(av, b1, c21);
    av = v128.load64_splat(a, 88);
    c30 = madd64(av, b0, c30);
    c31 = madd64(av, b1, c31);
    b0 = v128.load(b, 96);
    b1 = v128.load(b, 112);
    av = v128.load64_splat(a, 96);
    c00 = madd64(av, b0, c00);
    c01 = madd64(av, b1, c01);
    av = v128.load64_splat(a, 104);
    c10 = madd64(av, b0, c10);
    c11 = madd64(av, b1, c11);
    av = v128.load64_splat(a, 112);
    c20 = madd64(av, b0, c20);
    c21 = madd64(av, b1, c21);
    av = v128.load64_splat(a, 120);
    c30 = madd64(av, b0, c30);
    c31 = madd64(av, b1, c31);
    a += 4 * MR * 8;
    b += 4 * NR * 8;
  }
  for (; p < kc; p++) {
    b0 = v128.load(b, 0);
    b1 = v128.load(b, 16);
    av = v128.load64_splat(a, 0);
    c00 = madd64(av, b0, c00);
    c01 = madd64(av, b1, c01);
    av = v128.load64_splat(a, 8);
    c10 = madd64(av, b0, c10);
    c11 = madd64(av, b1, c11);
    av = v128.load64_splat(a, 16);
    c20 = madd64(av, b0, c20);
    c21 = madd64(av, b1, c21);
    av = v128.load64_splat(a, 24);
    c30 = madd64(av, b0, c30);
    c31 = madd64(av, b1, c31);
    a += MR * 8;
    b += NR * 8;
  }
  const full = rows == MR && cols == NR;
  const t = full ? c : EDGE_TILE;
  const ld: usize = full ? <usize>ldc << 3 : NR * 8;
  if (!full && accumulate) {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) store<f64>(t + <usize>i * ld + (<usize>j << 3), load<f64>(c + ((<usize>i * ldc + j) << 3)));
  }
  if (accumulate) {
    v128.store(t, f64x2.add(v128.load(t), c00));
    v128.store(t, f64x2.add(v128.load(t, 16), c01), 16);
    v128.store(t + ld, f64x2.add(v128.load(t + ld), c10));
    v128.store(t + ld, f64x2.add(v128.load(t + ld, 16), c11), 16);
    v128.store(t + 2 * ld, f64x2.add(v128.load(t + 2 * ld), c20));
    v128.store(t + 2 * ld, f64x2.add(v128.load(t + 2 * ld, 16), c21), 16);
    v128.store(t + 3 * ld, f64x2.add(v128.load(t + 3 * ld), c30));
    v128.store(t + 3 * ld, f64x2.add(v128.load(t + 3 * ld, 16), c31), 16);
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
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) store<f64>(c + ((<usize>i * ldc + j) << 3), load<f64>(t + <usize>i * ld + (<usize>j << 3)));
  }
}

/** C (m×n float64) = op(A)·op(B) with A, B of element type T; see matMulF32 for the layout. */
function matMulWide<T>(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, transB: bool, packA: usize, packB: usize,
): void {
  const ars = transA ? 1 : k;
  const aps = transA ? m : 1;
  const brs = transB ? k : 1;
  const bps = transB ? 1 : n;
  if (k == 0) {
    for (let i = 0; i < m * n; i++) store<f64>(c + (<usize>i << 3), 0);
    return;
  }
  for (let jc = 0; jc < n; jc += NC_F64) {
    const nc = min(NC_F64, n - jc);
    for (let pc = 0; pc < k; pc += KC_F64) {
      const kc = min(KC_F64, k - pc);
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
              kc, packA + (<usize>(ir * kc) << 3), bp, c + ((<usize>(ic + ir) * n + jc + jr) << 3), n,
              min(MR, mc - ir), min(NR, nc - jr), pc > 0,
            );
          }
        }
      }
    }
  }
}

/** Float64 A and B, float64 C. */
export function matMulF64(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, transB: bool, packA: usize, packB: usize,
): void {
  matMulWide<f64>(a, b, c, m, k, n, transA, transB, packA, packB);
}

/** Float32 A and B, float64 C: every sum in float64, rounded once to float32 by the caller. */
export function matMulF32Wide(
  a: usize, b: usize, c: usize, m: i32, k: i32, n: i32, transA: bool, transB: bool, packA: usize, packB: usize,
): void {
  matMulWide<f32>(a, b, c, m, k, n, transA, transB, packA, packB);
}
