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
import { EXP2_1024 } from './exp-table-1024';

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

// Float64 path: per j the relative tail of 2^(j/64) (its value minus the double stored next to it, over it)
// and that double in the layout above, so e^d = scale·(1 + tail + (e^r − 1)) rounds once at the end (musl's
// scheme): about 0.5 ulp instead of the 1.5 of rounding the table value, the polynomial and the product.
const TABLE_TAIL: usize = memory.data<u64>([
  0x0000000000000000, 0x3ff0000000000000,
  0xbc7160139cd8dc5d, 0x3fefec9a3e778061,
  0x3c8cd2523567f613, 0x3fefd9b0d3158574,
  0x3c60f74e61e6c861, 0x3fefc74518759bc8,
  0x3c979aa65d837b6d, 0x3fefb5586cf9890f,
  0x3c3ebe3d702f9cd1, 0x3fefa3ec32d3d1a2,
  0xbc9556522a2fbd0e, 0x3fef9301d0125b51,
  0xbc91c923b9d5f416, 0x3fef829aaea92de0,
  0xbc801b15eaa59348, 0x3fef72b83c7d517b,
  0x3c8b898c3f1353bf, 0x3fef635beb6fcb75,
  0x3c9aecf73e3a2f60, 0x3fef54873168b9aa,
  0x3c8a6f4144a6c38d, 0x3fef463b88628cd6,
  0x3c968efde3a8a894, 0x3fef387a6e756238,
  0x3c80472b981fe7f2, 0x3fef2b4565e27cdd,
  0x3c82f7e16d09ab31, 0x3fef1e9df51fdee1,
  0x3c8b3782720c0ab4, 0x3fef1285a6e4030b,
  0x3c834d754db0abb6, 0x3fef06fe0a31b715,
  0x3c8fdd395dd3f84a, 0x3feefc08b26416ff,
  0xbc924aedcc4b5068, 0x3feef1a7373aa9cb,
  0xbc71d1e83e9436d2, 0x3feee7db34e59ff7,
  0x3c859f48a72a4c6d, 0x3feedea64c123422,
  0xbc58a78f4817895b, 0x3feed60a21f72e2a,
  0x3c4363ed60c2ac11, 0x3feece086061892d,
  0x3c6ecce1daa10379, 0x3feec6a2b5c13cd0,
  0x3c7690cebb7aafb0, 0x3feebfdad5362a27,
  0xbc8f94340071a38e, 0x3feeb9b2769d2ca7,
  0xbc78dec6bd0f385f, 0x3feeb42b569d4f82,
  0x3c93350518fdd78e, 0x3feeaf4736b527da,
  0x3c9063e1e21c5409, 0x3feeab07dd485429,
  0x3c9432e62b64c035, 0x3feea76f15ad2148,
  0xbc8c33c53bef4da8, 0x3feea47eb03a5585,
  0xbc93cedd78565858, 0x3feea23882552225,
  0xbc93b3efbf5e2228, 0x3feea09e667f3bcd,
  0xbc6367efb86da9ee, 0x3fee9fb23c651a2f,
  0xbc781f647e5a3ecf, 0x3fee9f75e8ec5f74,
  0xbc8619321e55e68a, 0x3fee9feb564267c9,
  0xbc7b32dcb94da51d, 0x3feea11473eb0187,
  0x3c65ebe1abd66c55, 0x3feea2f336cf4e62,
  0xbc9369b6f13b3734, 0x3feea589994cce13,
  0xbc94d450d872576e, 0x3feea8d99b4492ed,
  0x3c8db72fc1f0eab4, 0x3feeace5422aa0db,
  0x3c7bf68359f35f44, 0x3feeb1ae99157736,
  0xbc5da9b88b6c1e29, 0x3feeb737b0cdc5e5,
  0xbc92434322f4f9aa, 0x3feebd829fde4e50,
  0x3c71affc2b91ce27, 0x3feec49182a3f090,
  0xbc87c50422622263, 0x3feecc667b5de565,
  0xbc91bbd1d3bcbb15, 0x3feed503b23e255d,
  0x3c8469846e735ab3, 0x3feede6b5579fdbf,
  0x3c8c1a7792cb3387, 0x3feee89f995ad3ad,
  0xbc55c3d956dcaeba, 0x3feef3a2b84f15fb,
  0xbc68d6f438ad9334, 0x3feeff76f2fb5e47,
  0x3c74ffd70a5fddcd, 0x3fef0c1e904bc1d2,
  0x3c736eae30af0cb3, 0x3fef199bdd85529c,
  0x3c84e08fd10959ac, 0x3fef27f12e57d14b,
  0x3c676b2c6c921968, 0x3fef3720dcef9069,
  0xbc8fad5d3ffffa6f, 0x3fef472d4a07897c,
  0x3c74a385a63d07a7, 0x3fef5818dcfba487,
  0x3c8e5a50d5c192ac, 0x3fef69e603db3285,
  0xbc82d52107b43e1f, 0x3fef7c97337b9b5f,
  0x3c74b604603a88d3, 0x3fef902ee78b3ff6,
  0xbc8ff7128fd391f0, 0x3fefa4afa2a490da,
  0x3c8ec3bc41aa2008, 0x3fefba1bee615a27,
  0x3c8a64a931d185ee, 0x3fefd0765b6e4540,
  0x3c77893b4d91cd9d, 0x3fefe7c1819e90d8,
], 16);

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
