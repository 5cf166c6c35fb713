/* Moving float32 data through float64 lanes, and small row helpers shared by the kernels. */

/** Two float32 at p, widened to a float64x2. */
// @ts-ignore: decorator
@inline export function loadF32Pair(p: usize): v128 {
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/** A float64x2 rounded once to two float32 stored at p. */
// @ts-ignore: decorator
@inline export function storeF32Pair(p: usize, v: v128): void {
  v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
}

export function fillF32(p: usize, n: i32, value: f32): void {
  for (let i = 0; i < n; i++) store<f32>(p + (<usize>i << 2), value);
}

export function fillF64(p: usize, n: i32, value: f64): void {
  for (let i = 0; i < n; i++) store<f64>(p + (<usize>i << 3), value);
}

/** Error-free a + b = s + err (Knuth's TwoSum, no branch), for the scalar ends of compensated sums. */
export let twoSumErr: f64 = 0;

// @ts-ignore: decorator
@inline export function twoSum(a: f64, b: f64): f64 {
  const s = a + b;
  const z = s - a;
  twoSumErr = (a - (s - z)) + (b - z);
  return s;
}

/** Dekker's TwoProduct (Veltkamp splitting, no FMA): the error of fl(a·b) = a·b. */
// @ts-ignore: decorator
@inline function twoProdErr(a: f64, b: f64, p: f64): f64 {
  let c = 134217729.0 * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = 134217729.0 * b;
  const bh = c - (c - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * (a − b·s)/(1 + s) rounded once (the soft-label cross-entropy's gradient at the row max): numerator and
 * denominator as double-doubles and one correction of the quotient, as src/kernels/ts/double-double.ts does.
 */
export function differenceOverOnePlus(a: f64, b: f64, s: f64): f64 {
  const p = b * s;
  const pe = twoProdErr(b, s, p);
  const nh = a - p;
  const bb = nh - a;
  const nl = a - (nh - bb) + (-p - bb) - pe;
  const th = 1 + s;
  const tb = th - 1;
  const tl = 1 - (th - tb) + (s - tb);
  const q = nh / th;
  const qt = q * th;
  const r = q + (nh - qt - twoProdErr(q, th, qt) + nl - q * tl) / th;
  return isFinite(r) ? r : (a - b * s) / (1 + s);
}

/**
 * a·b + c per lane: one fused instruction when built with relaxed SIMD (either fused or not, as the
 * hardware does it), a multiply and an add otherwise.
 */
// @ts-ignore: decorator
@inline export function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 1 in the relaxed-SIMD build, whose madd32 and madd64 round a product and its sum once (the glue reads it). */
export const FUSED_MULTIPLY_ADD: bool = ASC_FEATURE_RELAXED_SIMD;

// @ts-ignore: decorator
@inline export function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}
