// Matrix products C = op(A)·op(B): packed, register-blocked (BLIS's loop order), as wide as the target's vectors.
//  - float32 data, float64 sums (the default): panels are packed as float64, so every product of two float32 is
//    exact and the fused multiply-add rounds only the sum; C is rounded once to float32 at the end.
//  - float32 data, float32 sums (opt-in): float32 panels and sums, the error of TF.js and PyTorch.
//  - float64 data: float64 panels and sums, fused multiply-adds.
// Threads split the longer side of C into ranges aligned to the register tile; every element of C is summed in the
// same order whatever the split, so any number of threads gives the same bits.
// Exact zeros: a depth p where a packed panel of A is zero in all its MR rows adds only ±0 to every sum of the
// tile, which leaves a sum that starts at +0 unchanged, so the micro-kernel skips it, unless the tile's packed panel
// of B holds an Inf or NaN (0·Inf is NaN and must reach C). The result is the same bits either way (but for the sign
// of a zero sum whose products all underflow, possible only with float64 data or float32 sums, and then the same for
// any thread count); inputs with many zeros (images' dark pixels) cost less. A row-major A with rows under 70 %
// nonzero times a row-major B takes a path over each pair of rows' own nonzero depths (sparseRowsGemm), which keeps
// those sums and their order, so it gives the same bits.
#include "aligned-buffer.h"
#include "napi-args.h"
#include "packed-tile.h"
#include "vec.h"
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <omp.h>
#include <type_traits>

namespace {

constexpr int NC = 4096;  // columns of B packed at once


/** Element (i, p) of op(A) is a[i·ars + p·aps]; (p, j) of op(B) is b[p·bps + j·brs]. */
struct Layout {
  size_t ars, aps, brs, bps;
};

#if defined(__AVX512F__) && defined(__AVX512VL__)
/** Runs step(rows, stride, depths, p) for depths [0, kc) of `count` rows (row stride ars) 8 depths at a time, the
 *  last (partial) step on a zero-padded copy, so a step always reads 8 depths of every row. */
template <typename Step>
inline void eachEightDepths(const float* rows, size_t ars, int count, int kc, Step step) {
  int p = 0;
  for (; p + 8 <= kc; p += 8) step(rows + p, ars, 8, p);
  if (p == kc) return;
  alignas(32) float tail[8 * 8] = {};
  for (int r = 0; r < count; r++)
    for (int d = 0; d < kc - p; d++) tail[r * 8 + d] = rows[r * ars + p + d];
  step(tail, 8, kc - p, p);
}

/** The live bits of 8 depths: the OR of the rows' values there, tested for bits other than the sign. */
inline uint32_t liveBitsOfRows(const __m256* rows, int count) {
  __m256i any = _mm256_castps_si256(rows[0]);
  for (int r = 1; r < count; r++) any = _mm256_or_si256(any, _mm256_castps_si256(rows[r]));
  return _mm256_test_epi32_mask(any, _mm256_set1_epi32(INT32_MAX));
}

/** Rows [r0, r0 + 4) of a full float32 panel whose rows are contiguous (row stride ars), depths [0, kc), into the
 *  float64 panel (MR values per depth): a 4 × 8 transpose per 8 depths. With liveBits, the live bits of each 8
 *  depths of these rows (from the rows as loaded) are OR-ed into liveBits[p / 8], so the panel is not read again. */
template <int MR>
inline void packFourRows(const float* rows, size_t ars, int kc, double* panel, int r0, uint8_t* liveBits) {
  const __m512i interleaveLow = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i interleaveHigh = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  const __m512i firstDepths = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i nextDepths = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  // GCC's vector builtins rather than _mm512_cvtps_pd / _mm512_extractf64x4_pd / _mm512_castpd512_pd256, whose GCC 12
  // headers warn (-Wmaybe-uninitialized on their internal undefined vector).
  typedef float Floats8 __attribute__((vector_size(32)));
  typedef double Doubles8 __attribute__((vector_size(64)));
  auto widen = [](__m256 v) { return (__m512d)__builtin_convertvector((Floats8)v, Doubles8); };
  eachEightDepths(rows, ars, 4, kc, [&](const float* at, size_t stride, int depths, int p) __attribute__((always_inline)) {
    __m256 loaded[4];
    for (int r = 0; r < 4; r++) loaded[r] = _mm256_loadu_ps(at + r * stride);
    if (liveBits) liveBits[p / 8] |= (uint8_t)liveBitsOfRows(loaded, 4);
    const __m512d a = widen(loaded[0]), b = widen(loaded[1]), c = widen(loaded[2]), d = widen(loaded[3]);
    // ab0 = a0 b0 a1 b1 a2 b2 a3 b3, then depth pairs: a0 b0 c0 d0 a1 b1 c1 d1, ...
    const __m512d ab0 = _mm512_permutex2var_pd(a, interleaveLow, b), ab4 = _mm512_permutex2var_pd(a, interleaveHigh, b);
    const __m512d cd0 = _mm512_permutex2var_pd(c, interleaveLow, d), cd4 = _mm512_permutex2var_pd(c, interleaveHigh, d);
    const __m512d pairs[4] = {_mm512_permutex2var_pd(ab0, firstDepths, cd0), _mm512_permutex2var_pd(ab0, nextDepths, cd0),
                              _mm512_permutex2var_pd(ab4, firstDepths, cd4), _mm512_permutex2var_pd(ab4, nextDepths, cd4)};
    for (int q = 0; q < 4; q++) {
      const Doubles8 pair = (Doubles8)pairs[q];
      double* dst = panel + (size_t)(p + 2 * q) * MR + r0;
      if (2 * q < depths) _mm256_storeu_pd(dst, (__m256d)__builtin_shufflevector(pair, pair, 0, 1, 2, 3));
      if (2 * q + 1 < depths) _mm256_storeu_pd(dst + MR, (__m256d)__builtin_shufflevector(pair, pair, 4, 5, 6, 7));
    }
  });
}

/** Rows [0, 8) of a full float32 panel whose rows are contiguous (row stride ars), depths [0, kc), into the float32
 *  panel (8 values per depth): an 8 × 8 transpose per 8 depths; with `list`, the live depths are listed on the way. */
inline void packEightRows(const float* rows, size_t ars, int kc, float* panel, LiveDepthList* list) {
  eachEightDepths(rows, ars, 8, kc, [&](const float* at, size_t stride, int depths, int p) __attribute__((always_inline)) {
    __m256 r[8];
    for (int i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(at + i * stride);
    if (list) list->add(liveBitsOfRows(r, 8), depths);
    // Row i, depth d is "id": t0 = 00 10 01 11 | 04 14 05 15, s0 = 00 10 20 30 | 04 14 24 34, ...
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xee);
    const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xee);
    const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xee);
    const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xee);
    const __m256 out[8] = {_mm256_permute2f128_ps(s0, s4, 0x20), _mm256_permute2f128_ps(s1, s5, 0x20),
                           _mm256_permute2f128_ps(s2, s6, 0x20), _mm256_permute2f128_ps(s3, s7, 0x20),
                           _mm256_permute2f128_ps(s0, s4, 0x31), _mm256_permute2f128_ps(s1, s5, 0x31),
                           _mm256_permute2f128_ps(s2, s6, 0x31), _mm256_permute2f128_ps(s3, s7, 0x31)};
    for (int d = 0; d < depths; d++) _mm256_storeu_ps(panel + (size_t)(p + d) * 8, out[d]);
  });
}
#endif


/** Packs rows [0, mc) × depth [0, kc) of op(A) into MR-row panels (p-major inside a panel), zero-padded, and lists
 *  each panel's live depths (`live`: KC entries per panel; how many in liveCount), unless live is null. */
template <typename T, bool Narrow, typename In>
void packA(const In* a, const Layout& s, int mc, int kc, T* out, uint16_t* live, int* liveCount) {
  constexpr int MR = Tile<T, Narrow>::MR;
  for (int i0 = 0, panelIndex = 0; i0 < mc; i0 += MR, panelIndex++) {
    T* panel = out + (size_t)i0 * kc;
    const int rows = std::min(MR, mc - i0);
    // Element (i0 + r, p) is base[r·ars + p·aps]; one of the two strides is 1 (ars for Aᵀ).
    const In* base = a + (size_t)i0 * s.ars;
    if (rows < MR) {
      for (int p = 0; p < kc; p++)
        for (int r = 0; r < MR; r++) panel[p * MR + r] = r < rows ? (T)base[r * s.ars + p * s.aps] : T(0);
    } else if (s.ars == 1) {
      for (int p = 0; p < kc; p++)
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) panel[p * MR + r] = (T)base[r + p * s.aps];
    } else {
#if defined(__AVX512F__) && defined(__AVX512VL__)
      // Transposed 8 depths at a time, the live depths listed from the rows as loaded (one OR and one test per 8).
      if constexpr (std::is_same_v<In, float> && (std::is_same_v<T, double> ? MR % 4 == 0 : MR == 8)) {
        // 8 float32 rows list as they pack; float64 panels OR the live bits of their 4-row halves first.
        LiveDepthList list(live ? live + (size_t)panelIndex * KC : nullptr);
        if constexpr (std::is_same_v<T, float>) {
          packEightRows(base, s.ars, kc, panel, live ? &list : nullptr);
        } else {
          uint8_t liveBits[KC / 8];
          if (live) std::fill(liveBits, liveBits + (kc + 7) / 8, 0);
          for (int r0 = 0; r0 < MR; r0 += 4) packFourRows<MR>(base + r0 * s.ars, s.ars, kc, panel, r0, live ? liveBits : nullptr);
          if (live)
            for (int p = 0; p < kc; p += 8) list.add(liveBits[p / 8], std::min(8, kc - p));
        }
        if (live) liveCount[panelIndex] = list.finish();
        continue;
      }
#endif
      for (int p = 0; p < kc; p++)
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) panel[p * MR + r] = (T)base[r * s.ars + p];
    }
    if (live) liveCount[panelIndex] = listLiveDepths<T, MR>(panel, kc, live + (size_t)panelIndex * KC);
  }
}


/** Packs depth [0, kc) × columns [0, nc) of op(B) into NR-column panels, zero-padded. */
template <typename T, bool Narrow, typename In>
void packB(const In* b, const Layout& s, int kc, int nc, T* out) {
  constexpr int NR = Tile<T, Narrow>::NR;
  for (int j0 = 0; j0 < nc; j0 += NR) {
    T* panel = out + (size_t)j0 * kc;
    const int cols = std::min(NR, nc - j0);
    if (s.brs == 1) {
      for (int p = 0; p < kc; p++) {
        const In* row = b + p * s.bps + j0;
        T* dst = panel + p * NR;
        for (int c = 0; c < cols; c++) dst[c] = (T)row[c];
        for (int c = cols; c < NR; c++) dst[c] = 0;
      }
    } else {
      for (int c = 0; c < cols; c++) {
        const In* col = b + (size_t)(j0 + c) * s.brs;
        for (int p = 0; p < kc; p++) panel[p * NR + c] = (T)col[p * s.bps];
      }
      for (int c = cols; c < NR; c++)
        for (int p = 0; p < kc; p++) panel[p * NR + c] = 0;
    }
  }
}


/** C (m × n, row stride ldc, type T) = op(A)·op(B), A and B starting at this range's first row and column. */
template <typename T, bool Narrow, typename In>
bool gemm(const In* a, const In* b, T* c, size_t ldc, int m, int k, int n, const Layout& s) {
  constexpr int MR = Tile<T, Narrow>::MR, NR = Tile<T, Narrow>::NR, MC = Tile<T, Narrow>::MC;
  thread_local AlignedBuffer<T> aBuffer, bBuffer;
  thread_local AlignedBuffer<uint16_t> liveBuffer;
  int liveCount[MC / MR];
  bool finitePanel[(NC + NR - 1) / NR];
  if (k == 0) {
    for (int i = 0; i < m; i++) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return true;
  }
  T* Ap = aBuffer.get((size_t)MC * KC);
  T* Bp = bBuffer.get((size_t)KC * ((std::min(n, NC) + NR - 1) / NR) * NR);
  uint16_t* live = liveBuffer.get((size_t)(MC / MR) * KC);
  if (!Ap || !Bp || !live) return false;
  for (int jc = 0; jc < n; jc += NC) {
    const int nc = std::min(NC, n - jc);
    for (int pc = 0; pc < k; pc += KC) {
      const int kc = std::min(KC, k - pc);
      packB<T, Narrow>(b + pc * s.bps + jc * s.brs, s, kc, nc, Bp);
      // Zeros are skipped against a B panel only when it is all finite. Decided per NR-column panel, the unit on
      // which threads and column blocks split C, so the choice (and the sign of an underflowed zero) is the same
      // for any split.
      bool anyFinite = false;
      for (int jr = 0, panel = 0; jr < nc; jr += NR, panel++) {
        finitePanel[panel] = allFinite(Bp + (size_t)jr * kc, (size_t)kc * NR);
        anyFinite |= finitePanel[panel];
      }
      for (int ic = 0; ic < m; ic += MC) {
        const int mc = std::min(MC, m - ic);
        packA<T, Narrow>(a + ic * s.ars + pc * s.aps, s, mc, kc, Ap, anyFinite ? live : nullptr, liveCount);
        for (int jr = 0; jr < nc; jr += NR) {
          const bool skipZeros = finitePanel[jr / NR];
          for (int ir = 0; ir < mc; ir += MR) {
            microKernel<T, Narrow>(kc, live + (size_t)(ir / MR) * KC, skipZeros ? liveCount[ir / MR] : kc, Ap + (size_t)ir * kc,
                                   Bp + (size_t)jr * kc, c + (ic + ir) * ldc + jc + jr, ldc, pc == 0, std::min(MR, mc - ir),
                                   std::min(NR, nc - jr));
          }
        }
      }
    }
  }
  return true;
}

/** a·b + c as the micro-kernel's fusedMultiplyAdd computes it, for one value (the vector loop's tail). */
template <typename T> inline T scalarMultiplyAdd(T a, T b, T c) {
#if defined(__AVX512F__) || defined(__FMA__)
  return __builtin_fma(a, b, c);
#else
  return a * b + c;
#endif
}

/** C (1 × n, type T) = a·op(B) for one row a and a row-major B (brs == 1), without packing B: each depth's row of B is
 *  read once, as it is stored, into column accumulators held in registers. The sums are the packed path's bits: each
 *  KC-deep block summed from zero in depth order with fused multiply-adds, the blocks added in order (it skips no
 *  zeros, so only the sign of a zero sum whose products all underflow can differ, as between skipping and not). At
 *  batch 1 the packed path spent most of its time copying all of B into panels. */
template <typename T, typename In>
void gemv(const In* a, const In* b, T* c, int k, int n, const Layout& s) {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  constexpr int W = Vec<T>::lanes, NV = 16;  // 16 accumulators: 128 float64 or 256 float32 columns with AVX-512
  typedef In InVec __attribute__((vector_size(sizeof(In) * W), aligned(alignof(In))));
  if (k == 0) {
    std::fill(c, c + n, T(0));
    return;
  }
  for (int pc = 0; pc < k; pc += KC) {
    const int kc = std::min(KC, k - pc);
    const bool first = pc == 0;
    int j0 = 0;
    for (; j0 + W <= n; j0 += NV * W) {
      const int nv = std::min(NV, (n - j0) / W);
      V acc[NV];
      for (int v = 0; v < NV; v++) acc[v] = V{};
      if (nv == NV) {
        for (int p = pc; p < pc + kc; p++) {
          const T ap = (T)a[(size_t)p * s.aps];
          const V av = broadcastLoad<V>(&ap);
          const In* row = b + (size_t)p * s.bps + j0;
#pragma GCC unroll 16
          for (int v = 0; v < NV; v++) acc[v] = fusedMultiplyAdd(av, __builtin_convertvector(*(const InVec*)(row + v * W), V), acc[v]);
        }
      } else {
        for (int p = pc; p < pc + kc; p++) {
          const T ap = (T)a[(size_t)p * s.aps];
          const V av = broadcastLoad<V>(&ap);
          const In* row = b + (size_t)p * s.bps + j0;
          for (int v = 0; v < nv; v++) acc[v] = fusedMultiplyAdd(av, __builtin_convertvector(*(const InVec*)(row + v * W), V), acc[v]);
        }
      }
      for (int v = 0; v < nv; v++) {
        U* out = (U*)(c + j0 + v * W);
        *out = first ? acc[v] : *out + acc[v];
      }
      if (nv < NV) {
        j0 += nv * W;
        break;
      }
    }
    for (int j = j0; j < n; j++) {
      T acc = 0;
      for (int p = pc; p < pc + kc; p++) acc = scalarMultiplyAdd((T)a[(size_t)p * s.aps], (T)b[(size_t)p * s.bps + j], acc);
      c[j] = first ? acc : c[j] + acc;
    }
  }
}

#if defined(__AVX512F__)
/** Bit d set: value d of a contiguous row (count ≤ 32 values) is not ±0. NaN counts as nonzero. */
template <typename In> inline uint32_t nonzeroBits(const In* row, int count) {
  uint32_t bits = 0;
  constexpr int lanes = 64 / (int)sizeof(In);
  for (int q = 0; q < count; q += lanes) {
    const int left = std::min(lanes, count - q);
    uint32_t found;
    if constexpr (sizeof(In) == 4) {
      const __mmask16 load = left == 16 ? (__mmask16)0xffff : (__mmask16)((1u << left) - 1);
      found = _mm512_test_epi32_mask(_mm512_maskz_loadu_epi32(load, row + q), _mm512_set1_epi32(INT32_MAX));
    } else {
      const __mmask8 load = (__mmask8)((1u << left) - 1);
      found = _mm512_test_epi64_mask(_mm512_maskz_loadu_epi64(load, row + q), _mm512_set1_epi64(INT64_MAX));
    }
    bits |= found << q;
  }
  return bits;
}

// Two rows at a time over the depths where either is nonzero: each vector of B loaded serves two rows' multiply-adds.
// One row at a time was bound by those loads (256 × 784 by 784 × 128 on images, float64 sums: 470 against 425 µs);
// four at a time (over 78 % of depths instead of 67 %) was slower than two.
constexpr int SPARSE_ROWS = 2;
constexpr int SPARSE_CHUNK_VECTORS = 8;      // columns per chunk: 2 × 8 accumulators of AVX-512's 32 registers
constexpr int SPARSE_BLOCK_BYTES = 32768;    // a chunk's block of B, read once per nonzero of each row: in L1

/** Depths per block of B for chunks of `columns` columns: a power of two from 32 to KC, so blocks tile a KC block. */
template <typename T> int sparseBlockDepth(int columns) {
  int depth = 32;
  while (depth < KC && (size_t)depth * 2 * columns * sizeof(T) <= SPARSE_BLOCK_BYTES) depth *= 2;
  return depth;
}

/** Rows [0, rows) of C's chunk (NV vectors wide) over one block of B (dc depths, starting at depth `at` of A's rows),
 *  R rows at a time: their accumulators take only the depths where one of the R rows of A is nonzero (B is all
 *  finite: sparseRowsPay). A KC block's sum starts from +0 (`start`) and is kept in `partial` (the chunk's, row
 *  stride ldp) between its blocks; at its end (`end`) it is written to C, or added to C after the first KC block: the
 *  packed path's sums, in its order. */
template <typename T, int NV, int R, typename In>
void sparseRowsOfChunk(const In* a, size_t ars, int rows, int at, int dc, const T* block, T* partial, size_t ldp, bool start, bool end,
                       bool firstKcBlock, T* c, size_t ldc) {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  constexpr int W = Vec<T>::lanes, CW = NV * W;
  int i = 0;
  for (; i + R <= rows; i += R) {
    V acc[R][NV];
#pragma GCC unroll 16
    for (int r = 0; r < R; r++)
#pragma GCC unroll 16
      for (int v = 0; v < NV; v++) acc[r][v] = start ? V{} : *(const V*)(partial + (i + r) * ldp + v * W);
    const In* row = a + i * ars + at;
    for (int g = 0; g < dc; g += 32) {
      const int count = std::min(32, dc - g);
      uint32_t bits = 0;
#pragma GCC unroll 4
      for (int r = 0; r < R; r++) bits |= nonzeroBits(row + r * ars + g, count);
      while (bits) {
        const int p = g + __builtin_ctz(bits);
        bits &= bits - 1;
        const T* b = block + (size_t)p * CW;
#pragma GCC unroll 4
        for (int r = 0; r < R; r++) {
          const T ap = (T)row[r * ars + p];
          const V av = broadcastLoad<V>(&ap);
#pragma GCC unroll 16
          for (int v = 0; v < NV; v++) acc[r][v] = fusedMultiplyAdd(av, *(const V*)(b + v * W), acc[r][v]);
        }
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      if (end) {
        U* out = (U*)(c + (i + r) * ldc);
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) out[v] = firstKcBlock ? acc[r][v] : out[v] + acc[r][v];
      } else {
#pragma GCC unroll 16
        for (int v = 0; v < NV; v++) *(V*)(partial + (i + r) * ldp + v * W) = acc[r][v];
      }
    }
  }
  if constexpr (R > 1) {
    if (i < rows)
      sparseRowsOfChunk<T, NV, 1, In>(a + i * ars, ars, rows - i, at, dc, block, partial ? partial + i * ldp : nullptr, ldp, start, end,
                                      firstKcBlock, c + i * ldc, ldc);
  }
}

/** C (m × n, row stride ldc) = A·B for a row-major A (aps == 1) and B (brs == 1), n a multiple of the vector's lanes,
 *  B all finite, two rows at a time over the depths where either row is nonzero. The packed path skips a depth only
 *  where all MR rows of a panel are zero: images are zero in about half their pixels, two together in a third of the
 *  depths, eight together in only 14 %. 256 × 784 by 784 × 128 on Fashion-MNIST images, one thread: float64 sums 425
 *  against 530–590 µs, float32 sums 214 against 256–290 µs; the same time as the packed path on dense rows. The packed
 *  path's sums: the same KC blocks, each summed from +0 in depth order with fused multiply-adds. So the same bits,
 *  but for the sign of a zero sum whose products all underflow (float64 data or float32 sums), which can differ from
 *  the packed path's (other zeros skipped) but not between thread counts (row pairs start at multiples of MR, and B
 *  is finite everywhere). False when scratch memory runs out. */
template <typename T, typename In>
bool sparseRowsGemm(const In* a, const In* b, T* c, size_t ldc, int m, int k, int n, const Layout& s) {
  constexpr int W = Vec<T>::lanes;
  const int widest = std::min(n, SPARSE_CHUNK_VECTORS * W);
  const int depth = sparseBlockDepth<T>(widest);
  thread_local AlignedBuffer<T> blockBuffer, partialBuffer;
  // One chunk's block of B, and its sums between blocks of a KC block (a row of the chunk per row of A).
  T* block = blockBuffer.get((size_t)depth * widest);
  T* partial = k > depth ? partialBuffer.get((size_t)m * widest) : nullptr;
  if (!block || (k > depth && !partial)) return false;
  if (k == 0) {
    for (int i = 0; i < m; i++) std::fill(c + i * ldc, c + i * ldc + n, T(0));
    return true;
  }
  for (int pc = 0; pc < k; pc += KC) {
    const int kc = std::min(KC, k - pc);
    // Chunks of 8 vectors, then 4, 2, 1: the rows' accumulators stay in registers.
    for (int j0 = 0; j0 < n;) {
      const int vectors = std::min(SPARSE_CHUNK_VECTORS, (n - j0) / W);
      const int nv = vectors >= 8 ? 8 : vectors >= 4 ? 4 : vectors >= 2 ? 2 : 1;
      const int cw = nv * W;
      constexpr int R = SPARSE_ROWS;
      const auto rowsOf = nv == 8 ? sparseRowsOfChunk<T, 8, R, In>
                          : nv == 4 ? sparseRowsOfChunk<T, 4, R, In>
                          : nv == 2 ? sparseRowsOfChunk<T, 2, R, In>
                                    : sparseRowsOfChunk<T, 1, R, In>;
      for (int d0 = 0; d0 < kc; d0 += depth) {
        const int dc = std::min(depth, kc - d0);
        for (int p = 0; p < dc; p++) {
          const In* from = b + (size_t)(pc + d0 + p) * s.bps + j0;
          for (int j = 0; j < cw; j++) block[(size_t)p * cw + j] = (T)from[j];
        }
        rowsOf(a, s.ars, m, pc + d0, dc, block, partial, cw, d0 == 0, d0 + dc == kc, pc == 0, c + j0, ldc);
      }
      j0 += cw;
    }
  }
  return true;
}

/** Whether A's rows are sparse enough for sparseRowsGemm (under 70 % nonzero: it then beats the packed path, which
 *  it matches on dense rows), decided from up to 16 evenly spaced rows of the whole product, before any split, so
 *  every thread count takes the same path. Chunks narrower than 8 vectors spend more on finding the nonzero depths
 *  than they save (256 × 784 by 784 × n on images, n = 32: slower with float32 sums). */
template <typename T, typename In>
bool sparseRowsPay(const In* a, const In* b, const Layout& s, int m, int k, int n) {
  constexpr int W = Vec<T>::lanes;
  if (s.aps != 1 || s.brs != 1 || n % W != 0 || n < 8 * W || m < 8 || k < 32) return false;
  const int sampled = std::min(m, 16);
  long nonzero = 0;
  for (int r = 0; r < sampled; r++) {
    const In* row = a + (size_t)((long)r * m / sampled) * s.ars;
    for (int p = 0; p < k; p += 32) nonzero += __builtin_popcount(nonzeroBits(row + p, std::min(32, k - p)));
  }
  // Zeros are skipped only against a finite B (0 · Inf is NaN), decided for the whole of B so that every thread
  // count skips the same zeros; the packed path decides per panel.
  return nonzero * 10 < 7L * sampled * k && allFinite(b, (size_t)k * n);
}
#endif

/** One batch item, its C split over `threads` ranges; sums of type T, rounded into out when T is wider. */
template <typename T, bool Narrow, typename In, typename Out>
bool product(const In* a, const In* b, Out* out, T* work, int m, int k, int n, const Layout& s, int threads) {
  const bool byRows = m >= n;
  const int align = byRows ? Tile<T, Narrow>::MR : Tile<T, Narrow>::NR;
  const int total = byRows ? m : n;
  int parts = std::max(1, std::min(threads, total / align));
  const int step = ((total + parts - 1) / parts + align - 1) / align * align;
  parts = (total + step - 1) / step;
  T* c = work ? work : (T*)out;
  if (m == 1 && s.brs == 1) {
    // One row against a row-major B (a dense layer at batch 1): no packing, one thread (it is bound by reading B).
    gemv<T>(a, b, c, k, n, s);
    if (work) for (int j = 0; j < n; j++) out[j] = (Out)work[j];
    return true;
  }
  bool ok = true;
#if defined(__AVX512F__)
  // The row-sparse path, or the packed one where its scratch memory runs out (its own is bounded).
  const bool sparse = sparseRowsPay<T>(a, b, s, m, k, n);
  const auto multiply = [sparse](const In* a, const In* b, T* c, size_t ldc, int m, int k, int n, const Layout& s) {
    return (sparse && sparseRowsGemm<T, In>(a, b, c, ldc, m, k, n, s)) || gemm<T, Narrow, In>(a, b, c, ldc, m, k, n, s);
  };
#else
  const auto multiply = gemm<T, Narrow, In>;
#endif
  auto run = [&](int part) {
    const int start = part * step, end = std::min(total, start + step);
    if (byRows) {
      if (!multiply(a + start * s.ars, b, c + (size_t)start * n, n, end - start, k, n, s)) ok = false;
      else if (work) for (size_t i = (size_t)start * n; i < (size_t)end * n; i++) out[i] = (Out)work[i];
    } else {
      if (!multiply(a, b + start * s.brs, c + start, n, m, k, end - start, s)) ok = false;
      else if (work) for (int i = 0; i < m; i++) for (int j = start; j < end; j++) out[(size_t)i * n + j] = (Out)work[(size_t)i * n + j];
    }
  };
  if (parts == 1) {
    run(0);
    return ok;
  }
#pragma omp parallel for num_threads(parts) schedule(static, 1)
  for (int part = 0; part < parts; part++) run(part);
  return ok;
}

/** False when scratch memory ran out. */
template <typename T, typename In, typename Out>
bool batched(const In* a, const In* b, Out* out, int batch, int m, int k, int n, bool ta, bool tb, size_t aStride, size_t bStride, int threads) {
  const Layout s{ta ? 1 : (size_t)k, ta ? (size_t)m : 1, tb ? (size_t)k : 1, tb ? 1 : (size_t)n};
  thread_local AlignedBuffer<T> workBuffer;
  T* work = sizeof(T) == sizeof(Out) ? nullptr : workBuffer.get((size_t)m * n);
  if (sizeof(T) != sizeof(Out) && !work) return false;
  // The narrow tile where it covers every column; chosen from the whole product's n, so any thread split agrees.
  const auto run = n <= Tile<T, true>::NR ? product<T, true, In, Out> : product<T, false, In, Out>;
  for (int t = 0; t < batch; t++) {
    if (!run(a + t * aStride, b + t * bStride, out + (size_t)t * m * n, work, m, k, n, s, threads)) return false;
  }
  return true;
}

// matMul(a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride, float32Sums, threads)
napi_value matMul(napi_env env, napi_callback_info info) {
  Args x(env, info);
  ArrayArg a = x.array(0), b = x.array(1), out = x.array(2);
  const int batch = (int)x.size(3), m = (int)x.size(4), k = (int)x.size(5), n = (int)x.size(6);
  const bool ta = x.flag(7), tb = x.flag(8);
  const size_t aStride = (size_t)x.size(9, INT64_C(1) << 53), bStride = (size_t)x.size(10, INT64_C(1) << 53);
  const bool f32Sums = x.flag(11);
  const int threads = std::max(1, (int)x.integer(12));
  if (!x.ok) return nullptr;
  if (a.type != b.type || a.type != out.type || (a.type != napi_float32_array && a.type != napi_float64_array)) {
    x.fail("logitkit native matMul: a, b and out must all be Float32Array or all Float64Array");
    return nullptr;
  }
  if (batch == 0 || m == 0 || n == 0) return nullptr;
  size_t outNeed, aNeed, bNeed;
  if (!mulAdd((size_t)batch * m, n, 0, outNeed) || !mulAdd(batch - 1, aStride, (size_t)m * k, aNeed) ||
      !mulAdd(batch - 1, bStride, (size_t)k * n, bNeed) || out.length < outNeed || a.length < aNeed || b.length < bNeed) {
    x.failRange("logitkit native matMul: an array is shorter than its shape");
    return nullptr;
  }
  bool done;
  if (a.type == napi_float64_array) {
    done = batched<double>((const double*)a.data, (const double*)b.data, (double*)out.data, batch, m, k, n, ta, tb, aStride, bStride, threads);
  } else if (f32Sums) {
    done = batched<float>((const float*)a.data, (const float*)b.data, (float*)out.data, batch, m, k, n, ta, tb, aStride, bStride, threads);
  } else {
    done = batched<double>((const float*)a.data, (const float*)b.data, (float*)out.data, batch, m, k, n, ta, tb, aStride, bStride, threads);
  }
  if (!done) napi_throw_error(env, nullptr, "logitkit native matMul: out of memory for packing buffers");
  return nullptr;
}

}  // namespace

void registerMatMul(napi_env env, napi_value exports) {
  exportFunction(env, exports, "matMul", matMul);
}
