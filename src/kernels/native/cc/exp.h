// e^d on float64 vectors for the softmax family: the same two exponentials as the WebAssembly kernels
// (src/kernels/wasm/assembly/exp.ts), at the target's vector width.
//
// d = (Nk + j)·ln2/N + r with |r| ≤ ln2/2N, so e^d = 2^k · 2^(j/N) · e^r. Adding 1.5·2^52 to d·N/ln2 rounds it to
// the integer Nk + j held in the low mantissa bits; the table holds the bits of 2^(j/N) minus j shifted to the
// exponent's lowest bit, so adding (Nk + j) shifted the same way gives the bits of 2^(k + j/N) (musl's layout).
//  - expFast (float32 data): N = 1024 and 1 + r + r²/2, relative error 6.5e-12 (the r³/6 left out), far below
//    float32's half-ulp of 6e-8. For d in [−200, 0].
//  - expExact (float64 data): N = 64, a degree-6 polynomial and the table values' rounding errors (tails), about
//    half an ulp. For d in [−746, 0] (subnormal results rounded once).
// expExact's products and sums round separately (-ffp-contract=off), as in WebAssembly, so each lane gives the
// wasm's bits. expFast evaluates its quadratic with fused multiply-adds where the target has them (7 % off a float32
// softmax): one rounding fewer, so its lanes may differ from the wasm's by an ulp of float64 (1e-16), far inside
// its 6.5e-12.
#pragma once
#include "exp-tables.h"
#include "vec.h"
#include <cstdint>

using VD = Vec<double>::type;
constexpr int W = Vec<double>::lanes;
typedef uint64_t VL __attribute__((vector_size(VECTOR_BYTES)));

/** table[idx[l]] in every lane: one gather instruction where the target has it. */
inline VL lookup(const uint64_t* table, VL idx) {
#if defined(__AVX512F__)
  return (VL)_mm512_mask_i64gather_epi64(_mm512_setzero_si512(), 0xff, (__m512i)idx, (const long long*)table, 8);
#elif defined(__AVX2__)
  return (VL)_mm256_mask_i64gather_epi64(_mm256_setzero_si256(), (const long long*)table, (__m256i)idx, _mm256_set1_epi64x(-1), 8);
#else
  VL out;
  for (int l = 0; l < W; l++) out[l] = table[idx[l]];
  return out;
#endif
}

constexpr double SHIFT = 6755399441055744.0;  // 1.5·2^52

/** e^d for d in [−200, 0], relative error 6.5e-12: for float32 data. */
inline VD expFast(VD d) {
  // r is kept in units of ln2/1024 (u − k, |u − k| ≤ 1/2), so the coefficients carry the ln2/1024. u = d·1024/ln2
  // rounds with a relative 2^-53, under 3.3e-11 absolute for |u| < 3e5: r is good to 2.2e-14 relative in e^r.
  const VD u = d * 1477.3197218702985;
  const VD t = u + SHIFT;
  const VD r = u - (t - SHIFT);
  const VL bits = (VL)t;
  // The shift keeps t's low 22 bits, enough for |1024k + j| < 2^21 (d > −1400).
  const VD scale = (VD)(lookup(EXP2_1024, bits & 1023) + (bits << 42));
  const VD q = fusedMultiplyAdd(r, VD{} + 2.290978498068816e-7, VD{} + 0.0006769015435155716);
  return scale * fusedMultiplyAdd(q, r, VD{} + 1.0);
}

/** e^d for d in [−746, 0], within about half an ulp of float64: for float64 data. */
inline VD expExact(VD d) {
  // expExact adds 600 to k through its shifter and takes 2^600 back with one multiply, so results below 2^-1022
  // (subnormal) round once instead of getting a wrong exponent.
  constexpr double SHIFT_600 = SHIFT + 600 * 64;
  // ln2/64 split so that k·LN2_64_HI is exact for |k| < 2^20 (fdlibm's split of ln2, divided by 64).
  constexpr double LN2_64_HI = 6.93147180369123816490e-1 / 64, LN2_64_LO = 1.90821492927058770002e-10 / 64;
  const VD t = d * 92.33248261689366 + SHIFT_600;
  const VD k = t - SHIFT_600;
  const VD r = (d - k * LN2_64_HI) - k * LN2_64_LO;
  const VL bits = (VL)t;
  const VL j = bits & 63;
  const VD tail = (VD)lookup(EXP_TAIL_64, j);
  const VD scale = (VD)(lookup(EXP_SCALE_64, j) + (bits << 46));
  // e^r − 1 = r + r²·(1/2 + r/6 + r²/24 + r³/120 + r⁴/720): the next term, r⁷/5040 < 2^-64 for |r| ≤ ln2/128.
  VD q = r * (1.0 / 720) + 1.0 / 120;
  q = q * r + 1.0 / 24;
  q = q * r + 1.0 / 6;
  q = q * r + 0.5;
  const VD tmp = tail + (r + (r * r) * q);
  // e^d = scale·(1 + tail + (e^r − 1)) rounds once at the end (musl's scheme), then 2^-600.
  return (scale + scale * tmp) * 2.409919865102884e-181;
}
