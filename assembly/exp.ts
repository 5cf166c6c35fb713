/*
 * e^d on two float64 lanes, for d ≤ 0 (callers clamp the low end and keep NaN away).
 *
 * d = k·ln2 + r with k = round(d / ln2) and |r| ≤ ln2/2, then e^d = 2^k · (1 + r·q(r)), q a Chebyshev
 * fit to (e^r − 1)/r (mpmath chebyfit). Adding 1.5·2^52 rounds d/ln2 to an integer held in the low
 * mantissa bits, so shifting those bits up by 52 adds k to the exponent of the polynomial's value.
 * At d = 0 the result is exactly 1.
 *
 * Constants live in static memory and are loaded where used: V8 rebuilds a v128.const with about
 * four instructions at each use, while a load folds into one memory operand.
 */

const SHIFT: f64 = 6755399441055744.0;
const INV_LN2: f64 = 1.4426950408889634;
const LN2: f64 = 0.6931471805599453;
// ln2 split so that k·LN2_HI is exact for |k| < 2^20 (fdlibm's split).
const LN2_HI: f64 = 6.93147180369123816490e-1;
const LN2_LO: f64 = 1.90821492927058770002e-10;
// expExact adds 600 to k through its shifter and takes 2^600 back with one multiply, so results
// below 2^-1022 (subnormal) round once instead of getting a wrong exponent.
const SHIFT_600: f64 = 6755399441056344.0;
const TWO_M600: f64 = 2.409919865102884e-181;

// Degree-7 polynomial: relative error 1.1e-10 on |r| ≤ ln2/2; float32 results round at 6e-8.
const FAST: usize = memory.data<f64>([
  SHIFT, SHIFT, INV_LN2, INV_LN2, LN2, LN2,
  0.00019900441465296745, 0.00019900441465296745,
  0.0013942159833661436, 0.0013942159833661436,
  0.008333297067428719, 0.008333297067428719,
  0.041666340142225575, 0.041666340142225575,
  0.16666666722219042, 0.16666666722219042,
  0.5000000050018797, 0.5000000050018797,
  1.0, 1.0,
], 16);

// Degree-11 polynomial: relative error 9e-18, under the float64 rounding of the Horner steps.
const EXACT: usize = memory.data<f64>([
  SHIFT_600, SHIFT_600, INV_LN2, INV_LN2, LN2_HI, LN2_HI, LN2_LO, LN2_LO,
  2.5106274733573296e-08, 2.5106274733573296e-08,
  2.762774654094673e-07, 2.762774654094673e-07,
  2.755725283351691e-06, 2.755725283351691e-06,
  2.4801500976060442e-05, 2.4801500976060442e-05,
  0.00019841269876864356, 0.00019841269876864356,
  0.0013888888935172437, 0.0013888888935172437,
  0.008333333333325544, 0.008333333333325544,
  0.04166666666656539, 0.04166666666656539,
  0.1666666666666667, 0.1666666666666667,
  0.5000000000000007, 0.5000000000000007,
  1.0, 1.0,
  TWO_M600, TWO_M600,
], 16);

// @ts-ignore: decorator
@inline function horner(q: v128, r: v128, c: usize): v128 {
  return f64x2.add(f64x2.mul(q, r), v128.load(c));
}

/** e^d for d in [−200, 0] (no subnormal results), relative error about 1.1e-10: for float32 data. */
// @ts-ignore: decorator
@inline export function expFast(d: v128): v128 {
  const t = f64x2.add(f64x2.mul(d, v128.load(FAST, 16)), v128.load(FAST));
  const k = f64x2.sub(t, v128.load(FAST));
  const r = f64x2.sub(d, f64x2.mul(k, v128.load(FAST, 32)));
  let q = v128.load(FAST, 48);
  q = horner(q, r, FAST + 64);
  q = horner(q, r, FAST + 80);
  q = horner(q, r, FAST + 96);
  q = horner(q, r, FAST + 112);
  q = horner(q, r, FAST + 128);
  q = horner(q, r, FAST + 144);
  const p = horner(q, r, FAST + 144);
  return i64x2.add(p, i64x2.shl(t, 52));
}

/** e^d for d in [−746, 0], within about one ulp of float64 (subnormal results rounded once). */
// @ts-ignore: decorator
@inline export function expExact(d: v128): v128 {
  const t = f64x2.add(f64x2.mul(d, v128.load(EXACT, 16)), v128.load(EXACT));
  const k = f64x2.sub(t, v128.load(EXACT));
  const r = f64x2.sub(f64x2.sub(d, f64x2.mul(k, v128.load(EXACT, 32))), f64x2.mul(k, v128.load(EXACT, 48)));
  let q = v128.load(EXACT, 64);
  q = horner(q, r, EXACT + 80);
  q = horner(q, r, EXACT + 96);
  q = horner(q, r, EXACT + 112);
  q = horner(q, r, EXACT + 128);
  q = horner(q, r, EXACT + 144);
  q = horner(q, r, EXACT + 160);
  q = horner(q, r, EXACT + 176);
  q = horner(q, r, EXACT + 192);
  q = horner(q, r, EXACT + 208);
  q = horner(q, r, EXACT + 224);
  const p = horner(q, r, EXACT + 224);
  const scaled = i64x2.add(p, i64x2.shl(t, 52));
  return f64x2.mul(scaled, v128.load(EXACT, 240));
}

/** Scalar e^d with the same steps as expFast (lane 0), for row tails. */
// @ts-ignore: decorator
@inline export function expFastScalar(d: f64): f64 {
  return f64x2.extract_lane(expFast(f64x2.splat(d)), 0);
}

// @ts-ignore: decorator
@inline export function expExactScalar(d: f64): f64 {
  return f64x2.extract_lane(expExact(f64x2.splat(d)), 0);
}
