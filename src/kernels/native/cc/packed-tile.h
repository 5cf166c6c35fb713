// The register tile of the packed products that matmul.cc and conv.cc share: its shape, the depth of a packed
// block, the live-depth lists that let a micro-kernel skip all-zero depths of A, and the micro-kernel itself.
#pragma once
#include "vec.h"
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace {

constexpr int KC = 256;  // depth of a packed block

/** The register tile. `Narrow` is for products with at most 16 columns (a 10-class layer), which a 32-column tile
 *  would mostly pad. */
template <typename T, bool Narrow = false> struct Tile {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  static constexpr int W = Vec<T>::lanes;
  // Accumulators MR × NV vectors: 16 of AVX-512's 32 registers, 12 of AVX2's or SSE's 16. With AVX-512, 8 × 2: its
  // KC × 2-vector panel of B (32 KiB) stays in the 48 KiB L1 cache where 4 × 4's 64 KiB does not. On this project's
  // Zen 5 host a 256 × 784 × 128 product took 290 against 480 µs with float32 sums and 560 against 750 µs with
  // float64 sums (dense A), 235 against 310 and 510 against 540 µs on Fashion-MNIST images (4-row panels are more
  // often zero at a depth, 21 % of depths against 13 %, which narrows the gap); the CNN's convolutions took the same
  // time with either (scripts/bench-conv.mjs).
  static constexpr int MR = VECTOR_BYTES == 64 ? 8 : 6;
  static constexpr int NV = VECTOR_BYTES == 64 ? (Narrow ? (W >= 16 ? 1 : 16 / W) : 2) : 2;
  static constexpr int NR = NV * W;
  static constexpr int MC = MR * 16;
};

/** True when every one of the n values is finite: the largest magnitude, compared as bits (which vectorizes), is
 *  below the infinities' exponent. */
template <typename T> bool allFinite(const T* values, size_t n) {
  using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  constexpr Bits magnitude = ~Bits(0) >> 1, infinity = sizeof(T) == 8 ? Bits(0x7ff0000000000000ull) : Bits(0x7f800000u);
  typedef Bits AliasedBits __attribute__((may_alias));
  const AliasedBits* bits = (const AliasedBits*)values;
  Bits largest = 0;
  for (size_t i = 0; i < n; i++) largest = std::max<Bits>(largest, bits[i] & magnitude);
  return largest < infinity;
}

// Live depths from 64-bit words of nonzero bits (AVX-512F tests, BMI2's bit extraction); the list appended 32 depths at
// a time with VBMI2's compress where the target has it, else one bit at a time.
#if defined(__AVX512F__) && defined(__BMI2__)
#define LOGITKIT_WORD_LIVE_DEPTHS 1
#if defined(__AVX512BW__) && defined(__AVX512VBMI2__)
#define LOGITKIT_COMPRESSED_LIVE_DEPTHS 1
#endif
#endif

/** A live-depth list built in depth order from bit masks (bit d: depth from + d is live), 32 depths at a time;
 *  `count` is the list's length once `finish` has run. */
class LiveDepthList {
 public:
  explicit LiveDepthList(uint16_t* depths) : depths_(depths) {}
  /** The next n ≤ 32 depths' bits (bits at n and above must be 0). */
  inline void add(uint32_t bits, int n) {
    if (filled_ + n > 32) flush();
    bits_ |= bits << filled_;
    filled_ += n;
  }
  int finish() {
    flush();
    return count;
  }
  int count = 0;

 private:
  inline void flush() {
    if (!filled_) return;
#if defined(LOGITKIT_COMPRESSED_LIVE_DEPTHS)
    alignas(64) static constexpr uint16_t iota[32] = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                                                      16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
    const int live = __builtin_popcount(bits_);
    const __m512i at = _mm512_add_epi16(_mm512_load_si512((const void*)iota), _mm512_set1_epi16((short)from_));
    _mm512_mask_storeu_epi16(depths_ + count, live == 32 ? ~0u : (1u << live) - 1, _mm512_maskz_compress_epi16(bits_, at));
    count += live;
#else
    for (uint32_t bits = bits_; bits; bits &= bits - 1) depths_[count++] = (uint16_t)(from_ + __builtin_ctz(bits));
#endif
    from_ += filled_;
    bits_ = 0;
    filled_ = 0;
  }
  uint16_t* depths_;
  uint32_t bits_ = 0;
  int from_ = 0, filled_ = 0;
};

#if defined(LOGITKIT_WORD_LIVE_DEPTHS)
/** listLiveDepths for MR a power of two dividing a vector's lanes or a multiple of them: the values' nonzero bits
 *  (one per value) gathered into 64-bit words, OR-folded to one bit per depth, and the live depths appended by
 *  LiveDepthList. With the compress, about twice as fast as a test and a branch-free append per depth (a 256 × 784
 *  float32 product spent 21 of its 250 µs listing; dense layers and im2col panels list every block). */
template <typename T, int MR>
int listLiveDepthsByWord(const T* panel, int kc, uint16_t* depths) {
  constexpr int lanes = 64 / (int)sizeof(T), vectorsPerWord = 64 / lanes, depthsPerWord = 64 / MR;
  constexpr uint64_t firstBitOfEachDepth = [] {
    uint64_t bits = 0;
    for (int i = 0; i < 64; i += MR) bits |= uint64_t(1) << i;
    return bits;
  }();
  const int total = kc * MR;
  LiveDepthList list(depths);
  for (int p0 = 0; p0 < kc; p0 += depthsPerWord) {
    const bool whole = p0 + depthsPerWord <= kc;
    uint64_t word = 0;
#pragma GCC unroll 8
    for (int v = 0; v < vectorsPerWord; v++) {
      const int at = p0 * MR + v * lanes;
      // The last word's loads stop at the panel's end (masked: nothing past it is read).
      const int left = whole ? lanes : std::max(0, std::min(lanes, total - at));
      const T* from = panel + std::min(at, total);
      uint64_t nonzero;
      if constexpr (sizeof(T) == 8) {
        const __mmask8 load = whole ? (__mmask8)0xff : (__mmask8)((1u << left) - 1);
        nonzero = _mm512_test_epi64_mask(_mm512_maskz_loadu_epi64(load, from), _mm512_set1_epi64(INT64_MAX));
      } else {
        const __mmask16 load = whole ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
        nonzero = _mm512_test_epi32_mask(_mm512_maskz_loadu_epi32(load, from), _mm512_set1_epi32(INT32_MAX));
      }
      word |= nonzero << (v * lanes);
    }
    // Each depth's lowest bit becomes the OR of its MR bits (the shifts stay inside a depth's bits for that bit).
    for (int shift = MR / 2; shift >= 1; shift /= 2) word |= word >> shift;
    list.add((uint32_t)_pext_u64(word, firstBitOfEachDepth), std::min(depthsPerWord, kc - p0));
  }
  return list.finish();
}
#endif

/** The depths of a packed panel (MR values per depth) where some value is nonzero (bits other than the sign set),
 *  in order, into depths; returns how many. */
template <typename T, int MR>
int listLiveDepths(const T* panel, int kc, uint16_t* depths) {
  int count = 0;
#if defined(LOGITKIT_WORD_LIVE_DEPTHS)
  // MR ≥ 2: a 64-bit word then holds at most 32 depths, what LiveDepthList takes at once.
  if constexpr ((MR & (MR - 1)) == 0 && ((64 / sizeof(T)) % MR == 0 || MR % (64 / sizeof(T)) == 0) && MR >= 2 && MR <= 64) {
    return listLiveDepthsByWord<T, MR>(panel, kc, depths);
  }
#endif
  using Bits = std::conditional_t<sizeof(T) == 8, uint64_t, uint32_t>;
  for (int p = 0; p < kc; p++) {
    Bits bits = 0;
    for (int r = 0; r < MR; r++) {
      Bits b;
      std::memcpy(&b, panel + p * MR + r, sizeof b);
      bits |= b;
    }
    depths[count] = (uint16_t)p;
    count += (Bits)(bits << 1) != 0;
  }
  return count;
}

/** C[0:mr, 0:nr] (+)= Apanel · Bpanel over the depths `live` (all kc of them when liveCount == kc); `first`
 *  writes instead of adding. */
template <typename T, bool Narrow>
inline void microKernel(int kc, const uint16_t* __restrict live, int liveCount, const T* __restrict A, const T* __restrict B,
                        T* __restrict C, size_t ldc, bool first, int mr, int nr) {
  using V = typename Tile<T, Narrow>::V;
  using U = typename Tile<T, Narrow>::U;
  constexpr int W = Tile<T, Narrow>::W, MR = Tile<T, Narrow>::MR, NV = Tile<T, Narrow>::NV, NR = Tile<T, Narrow>::NR;
  V c[MR][NV];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) c[r][v] = V{};
  auto accumulate = [&](int p) __attribute__((always_inline)) {
    V b[NV];
#pragma GCC unroll 8
    for (int v = 0; v < NV; v++) b[v] = *(const V*)(B + p * NR + v * W);
    const T* ap = A + p * MR;
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) {
      const V av = broadcastLoad<V>(ap + r);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) c[r][v] = fusedMultiplyAdd(av, b[v], c[r][v]);
    }
  };
  if (liveCount == kc) {
    for (int p = 0; p < kc; p++) accumulate(p);
  } else {
    for (int q = 0; q < liveCount; q++) accumulate(live[q]);
  }
  if (mr == MR && nr == NR) {
    for (int r = 0; r < MR; r++) {
      U* row = (U*)(C + r * ldc);
#pragma GCC unroll 8
      for (int v = 0; v < NV; v++) row[v] = first ? c[r][v] : row[v] + c[r][v];
    }
    return;
  }
  alignas(64) T tile[MR * NR];
  for (int r = 0; r < MR; r++)
    for (int v = 0; v < NV; v++) *(V*)(tile + r * NR + v * W) = c[r][v];
  for (int r = 0; r < mr; r++)
    for (int j = 0; j < nr; j++) C[r * ldc + j] = first ? tile[r * NR + j] : C[r * ldc + j] + tile[r * NR + j];
}

}  // namespace
