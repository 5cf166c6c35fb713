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

/**
 * a·b + c per lane: one fused instruction when built with relaxed SIMD (either fused or not, as the
 * hardware does it), a multiply and an add otherwise.
 */
// @ts-ignore: decorator
@inline export function madd32(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

// @ts-ignore: decorator
@inline export function madd64(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(f64x2.mul(a, b), c);
}
