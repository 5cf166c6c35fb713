/*
 * e^d on two float64 lanes, for d ≤ 0 (callers clamp the low end and keep NaN away).
 *
 * d = (Nk + j)·ln2/N + r with |r| ≤ ln2/2N, so e^d = 2^k · 2^(j/N) · e^r. Adding 1.5·2^52 to
 * d·N/ln2 rounds it to the integer Nk + j held in the low mantissa bits; table[j] holds the bits of
 * 2^(j/N) minus j shifted to the exponent's lowest bit, so adding (Nk + j) shifted the same way gives
 * the bits of 2^(k + j/N) (musl's layout). Tables are read with one scalar load per lane (SIMD128 has
 * no gather); that still costs less than the degree-11 polynomial a table-free exp needs.
 * expFast (float32 data) uses N = 1024 and a quadratic; expExact N = 64, a degree-6 polynomial and
 * the table values' rounding errors.
 *
 * Constants live in static memory and are loaded where used: V8 rebuilds a v128.const with about
 * four instructions at each use, while a load folds into one memory operand.
 */
import { EXP2_1024, TABLE_TAIL } from './exp-tables';

const SHIFT: f64 = 6755399441055744.0;
// expExact adds 600 to k through its shifter and takes 2^600 back with one multiply, so results
// below 2^-1022 (subnormal) round once instead of getting a wrong exponent.
const SHIFT_600: f64 = 6755399441055744.0 + 600 * 64;
const TWO_M600: f64 = 2.409919865102884e-181;
const INV_LN2_64: f64 = 92.33248261689366;
// ln2/64 split so that m·LN2_64_HI is exact for |m| < 2^20 (fdlibm's split of ln2, divided by 64).
const LN2_64_HI: f64 = 6.93147180369123816490e-1 / 64;
const LN2_64_LO: f64 = 1.90821492927058770002e-10 / 64;

// Float32 path: |r| ≤ ln2/2048 = 3.4e-4 and 1 + r + r²/2, relative error 6.5e-12 (the r³/6 left out),
// far below float32's 6e-8 half-ulp; one multiply-add fewer than 64 entries and a cubic (3.6e-11).
// r is kept in units of ln2/1024 (u − k, |u − k| ≤ 1/2), so the coefficients carry the ln2/1024.
const INV_LN2_1024: f64 = 1477.3197218702985;
const LN2_1024: f64 = 0.0006769015435155716;
const HALF_LN2_1024_SQ: f64 = 2.290978498068816e-7;
const FAST: usize = memory.data<f64>([
  SHIFT, SHIFT, INV_LN2_1024, INV_LN2_1024, LN2_1024, LN2_1024, HALF_LN2_1024_SQ, HALF_LN2_1024_SQ, 1.0, 1.0,
], 16);

// Float64 path: per j the relative tail of 2^(j/64) and that double in the layout above (TABLE_TAIL, exp-tables.ts),
// so e^d = scale·(1 + tail + (e^r − 1)) rounds once at the end (musl's scheme): about 0.5 ulp instead of the 1.5 of
// rounding the table value, the polynomial and the product.
const EXACT: usize = memory.data<f64>([
  SHIFT_600, SHIFT_600, INV_LN2_64, INV_LN2_64, LN2_64_HI, LN2_64_HI, LN2_64_LO, LN2_64_LO,
  1.0 / 720, 1.0 / 720, 1.0 / 120, 1.0 / 120, 1.0 / 24, 1.0 / 24, 1.0 / 6, 1.0 / 6, 0.5, 0.5,
  TWO_M600, TWO_M600,
], 16);

// @ts-ignore: decorator
@inline function horner(q: v128, r: v128, c: usize): v128 {
  return f64x2.add(f64x2.mul(q, r), v128.load(c));
}

/**
 * Bits of 2^(j/1024) + (k << 52) for the 1024k + j held in t's low mantissa bits: the shift keeps
 * its low 22 bits, enough for |1024k + j| < 2^21, i.e. d > −1400.
 */
// @ts-ignore: decorator
@inline function scaleOf(t: v128): v128 {
  const j0 = (<usize>i64x2.extract_lane(t, 0) & 1023) << 3;
  const j1 = (<usize>i64x2.extract_lane(t, 1) & 1023) << 3;
  const entries = v128.load64_lane(EXP2_1024 + j1, v128.load64_zero(EXP2_1024 + j0), 1);
  return i64x2.add(entries, i64x2.shl(t, 42));
}

/** e^d for d in [−200, 0] (no subnormal results), relative error 6.5e-12: for float32 data. */
// @ts-ignore: decorator
@inline export function expFast(d: v128): v128 {
  // u = d·1024/ln2 rounds with a relative 2^-53, under 3.3e-11 absolute for |u| < 3e5: r = u − k is then
  // good to 2.2e-14 relative in e^r, as good as d − k·ln2/1024 and one multiply fewer.
  const u = f64x2.mul(d, v128.load(FAST, 16));
  const t = f64x2.add(u, v128.load(FAST));
  const r = f64x2.sub(u, f64x2.sub(t, v128.load(FAST)));
  return f64x2.mul(scaleOf(t), horner(horner(r, v128.load(FAST, 48), FAST + 32), r, FAST + 64));
}

/** e^d for d in [−746, 0], within about half an ulp of float64 (subnormal results rounded once). */
// @ts-ignore: decorator
@inline export function expExact(d: v128): v128 {
  const t = f64x2.add(f64x2.mul(d, v128.load(EXACT, 16)), v128.load(EXACT));
  const k = f64x2.sub(t, v128.load(EXACT));
  const r = f64x2.sub(f64x2.sub(d, f64x2.mul(k, v128.load(EXACT, 32))), f64x2.mul(k, v128.load(EXACT, 48)));
  const e0 = v128.load(TABLE_TAIL + ((<usize>i64x2.extract_lane(t, 0) & 63) << 4));
  const e1 = v128.load(TABLE_TAIL + ((<usize>i64x2.extract_lane(t, 1) & 63) << 4));
  const tail = v128.shuffle<i64>(e0, e1, 0, 2);
  const scale = i64x2.add(v128.shuffle<i64>(e0, e1, 1, 3), i64x2.shl(t, 46));
  // e^r − 1 = r + r²·(1/2 + r/6 + r²/24 + r³/120 + r⁴/720): the next term, r⁷/5040 < 2^-64 for
  // |r| ≤ ln2/128, no longer biases the result (without r⁶/720 it was 0.3 ulp low).
  let q = horner(r, v128.load(EXACT, 64), EXACT + 80);
  q = horner(q, r, EXACT + 96);
  q = horner(q, r, EXACT + 112);
  q = horner(q, r, EXACT + 128);
  const tmp = f64x2.add(tail, f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q)));
  return f64x2.mul(f64x2.add(scale, f64x2.mul(scale, tmp)), v128.load(EXACT, 144));
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
