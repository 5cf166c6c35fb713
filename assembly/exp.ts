/*
 * e^d on two float64 lanes, for d ≤ 0 (callers clamp the low end and keep NaN away).
 *
 * d = (64k + j)·ln2/64 + r with |r| ≤ ln2/128, so e^d = 2^k · 2^(j/64) · e^r. Adding 1.5·2^52 to
 * d·64/ln2 rounds it to the integer 64k + j held in the low mantissa bits; TABLE[j] holds the bits of
 * 2^(j/64) minus j << 46, so TABLE[j] + ((64k + j) << 46) is the bits of 2^(k + j/64) (musl's layout).
 * The table is read with one scalar load per lane (SIMD128 has no gather); that still costs less
 * than the degree-11 polynomial a table-free exp needs for the same precision.
 *
 * Constants live in static memory and are loaded where used: V8 rebuilds a v128.const with about
 * four instructions at each use, while a load folds into one memory operand.
 */

const TABLE: usize = memory.data<u64>([0x3ff0000000000000, 0x3fefec9a3e778061, 0x3fefd9b0d3158574, 0x3fefc74518759bc8, 0x3fefb5586cf9890f, 0x3fefa3ec32d3d1a2, 0x3fef9301d0125b51, 0x3fef829aaea92de0, 0x3fef72b83c7d517b, 0x3fef635beb6fcb75, 0x3fef54873168b9aa, 0x3fef463b88628cd6, 0x3fef387a6e756238, 0x3fef2b4565e27cdd, 0x3fef1e9df51fdee1, 0x3fef1285a6e4030b, 0x3fef06fe0a31b715, 0x3feefc08b26416ff, 0x3feef1a7373aa9cb, 0x3feee7db34e59ff7, 0x3feedea64c123422, 0x3feed60a21f72e2a, 0x3feece086061892d, 0x3feec6a2b5c13cd0, 0x3feebfdad5362a27, 0x3feeb9b2769d2ca7, 0x3feeb42b569d4f82, 0x3feeaf4736b527da, 0x3feeab07dd485429, 0x3feea76f15ad2148, 0x3feea47eb03a5585, 0x3feea23882552225, 0x3feea09e667f3bcd, 0x3fee9fb23c651a2f, 0x3fee9f75e8ec5f74, 0x3fee9feb564267c9, 0x3feea11473eb0187, 0x3feea2f336cf4e62, 0x3feea589994cce13, 0x3feea8d99b4492ed, 0x3feeace5422aa0db, 0x3feeb1ae99157736, 0x3feeb737b0cdc5e5, 0x3feebd829fde4e50, 0x3feec49182a3f090, 0x3feecc667b5de565, 0x3feed503b23e255d, 0x3feede6b5579fdbf, 0x3feee89f995ad3ad, 0x3feef3a2b84f15fb, 0x3feeff76f2fb5e47, 0x3fef0c1e904bc1d2, 0x3fef199bdd85529c, 0x3fef27f12e57d14b, 0x3fef3720dcef9069, 0x3fef472d4a07897c, 0x3fef5818dcfba487, 0x3fef69e603db3285, 0x3fef7c97337b9b5f, 0x3fef902ee78b3ff6, 0x3fefa4afa2a490da, 0x3fefba1bee615a27, 0x3fefd0765b6e4540, 0x3fefe7c1819e90d8], 16);

const SHIFT: f64 = 6755399441055744.0;
// expExact adds 600 to k through its shifter and takes 2^600 back with one multiply, so results
// below 2^-1022 (subnormal) round once instead of getting a wrong exponent.
const SHIFT_600: f64 = 6755399441055744.0 + 600 * 64;
const TWO_M600: f64 = 2.409919865102884e-181;
const INV_LN2_64: f64 = 92.33248261689366;
const LN2_64: f64 = 0.010830424696249145;
// ln2/64 split so that m·LN2_64_HI is exact for |m| < 2^20 (fdlibm's split of ln2, divided by 64).
const LN2_64_HI: f64 = 6.93147180369123816490e-1 / 64;
const LN2_64_LO: f64 = 1.90821492927058770002e-10 / 64;

// Float32 path: |r| ≤ 0.0054 and a cubic, relative error 3.6e-11, far below float32's 6e-8 half-ulp.
const FAST: usize = memory.data<f64>([
  SHIFT, SHIFT, INV_LN2_64, INV_LN2_64, LN2_64, LN2_64,
  1.0 / 6, 1.0 / 6, 0.5, 0.5, 1.0, 1.0,
], 16);

// Float64 path: quintic (Taylor remainder 3e-17), split ln2/64.
const EXACT: usize = memory.data<f64>([
  SHIFT_600, SHIFT_600, INV_LN2_64, INV_LN2_64, LN2_64_HI, LN2_64_HI, LN2_64_LO, LN2_64_LO,
  1.0 / 120, 1.0 / 120, 1.0 / 24, 1.0 / 24, 1.0 / 6, 1.0 / 6, 0.5, 0.5, 1.0, 1.0,
  TWO_M600, TWO_M600,
], 16);

// @ts-ignore: decorator
@inline function horner(q: v128, r: v128, c: usize): v128 {
  return f64x2.add(f64x2.mul(q, r), v128.load(c));
}

/** Bits of 2^(j/64) + (k << 52) for the 64k + j held in t's low mantissa bits. */
// @ts-ignore: decorator
@inline function scaleOf(t: v128): v128 {
  const j0 = (<usize>i64x2.extract_lane(t, 0) & 63) << 3;
  const j1 = (<usize>i64x2.extract_lane(t, 1) & 63) << 3;
  const entries = v128.load64_lane(TABLE + j1, v128.load64_zero(TABLE + j0), 1);
  return i64x2.add(entries, i64x2.shl(t, 46));
}

/** e^d for d in [−200, 0] (no subnormal results), relative error 3.6e-11: for float32 data. */
// @ts-ignore: decorator
@inline export function expFast(d: v128): v128 {
  const t = f64x2.add(f64x2.mul(d, v128.load(FAST, 16)), v128.load(FAST));
  const k = f64x2.sub(t, v128.load(FAST));
  const r = f64x2.sub(d, f64x2.mul(k, v128.load(FAST, 32)));
  let q = horner(r, v128.load(FAST, 48), FAST + 64);
  q = horner(q, r, FAST + 80);
  return f64x2.mul(scaleOf(t), horner(q, r, FAST + 80));
}

/** e^d for d in [−746, 0], within about one ulp of float64 (subnormal results rounded once). */
// @ts-ignore: decorator
@inline export function expExact(d: v128): v128 {
  const t = f64x2.add(f64x2.mul(d, v128.load(EXACT, 16)), v128.load(EXACT));
  const k = f64x2.sub(t, v128.load(EXACT));
  const r = f64x2.sub(f64x2.sub(d, f64x2.mul(k, v128.load(EXACT, 32))), f64x2.mul(k, v128.load(EXACT, 48)));
  let q = horner(r, v128.load(EXACT, 64), EXACT + 80);
  q = horner(q, r, EXACT + 96);
  q = horner(q, r, EXACT + 112);
  q = horner(q, r, EXACT + 128);
  const p = horner(q, r, EXACT + 128);
  return f64x2.mul(f64x2.mul(scaleOf(t), p), v128.load(EXACT, 144));
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
