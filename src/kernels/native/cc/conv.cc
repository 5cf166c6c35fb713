// 2-D convolution (NHWC data, HWIO filters), its two gradients, and the pools. Three ways to compute a convolution,
// chosen per call by the data (the figures that decided it: docs/benchmarks.md, "Convolution kernels"):
//  - direct (conv2d on dense data): register tiles of MR output pixels × NV vectors of output channels; each (tap,
//    input channel) one broadcast of x per pixel, read in place, and one load of the filter per vector.
//  - sparse (where the data is mostly exact zeros: relu outputs, and above all the gradients that come back through
//    relu and a max pool, ~85 % zeros): each pixel's (or channel's) nonzero values listed once, and only those
//    multiplied, one row of the result at a time in registers.
//  - packed (dense gradients, very deep filters): matmul.cc's packed product with A gathered from the data while it is
//    packed (no im2col buffer):
//     - conv2d: rows = output pixels, depth = (tap, input channel), B = the filter as a [taps·C, K] matrix;
//     - conv2dBackpropInput: rows = input pixels, depth = (tap, output channel): A(pixel, (tap, k)) = dy at the
//       output pixel that reads this input pixel through that tap (zero where none does), B(tap·K + k, c) =
//       filter(tap, c, k);
//     - conv2dBackpropFilter: dFilterᵀ [K, taps·C] = dyᵀ [K, pixels] · im2col(x) [pixels, taps·C], transposed.
// Precision, as matMul's: float32 data, float64 sums (the default): the values converted to float64, so every product
// of two float32 is exact and every fused multiply-add rounds only the float64 sum, rounded once to float32 at the end.
// Float32 sums (opt-in): float32 throughout. Float64 data: float64 throughout. Skipping an exact zero adds nothing to
// a sum that starts at +0; it is done only where the other operand is finite (0·Inf must give NaN), and operands with
// an Inf or NaN where padding zeros would meet them go to the reference's loops (which skip padding taps).
// Threads split rows of the result (pixels) or, for the filter gradient, its columns or output channels: every element
// is summed in the same order for any thread count (the same bits).
#include "aligned-buffer.h"
#include "napi-args.h"
#include "packed-tile.h"
#include "vec.h"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <utility>
#include <limits>
#include <omp.h>
#include <type_traits>

namespace {

struct Geometry {
  int batch, H, W, C, OH, OW, K, fh, fw, sh, sw, dh, dw, pt, pl;
  size_t xSize() const { return (size_t)batch * H * W * C; }
  size_t ySize(int channels) const { return (size_t)batch * OH * OW * channels; }
  size_t fSize() const { return (size_t)fh * fw * C * K; }
};


/** Depth blocks of at most KC, as even as possible (288 = 144 + 144, not 256 + 32). */
inline int depthBlock(int depth) {
  const int blocks = (depth + KC - 1) / KC;
  return blocks == 0 ? 0 : (depth + blocks - 1) / blocks;
}

inline int roundUp(int n, int m) { return (n + m - 1) / m * m; }




/** Packs the [depth, n] matrix `at(d, j)` (depths [d0, d0 + kc), columns [j0, j0 + nc)) into NR-column panels,
 *  zero-padded: panel q at out + q·NR·kc, element (d, j) at (d − d0)·NR + j. */
template <typename T, typename At> void packB(At at, int d0, int kc, int j0, int nc, T* out) {
  constexpr int NR = Tile<T>::NR;
  for (int jp = 0; jp < nc; jp += NR) {
    T* panel = out + (size_t)jp * kc;
    const int cols = std::min(NR, nc - jp);
    for (int p = 0; p < kc; p++) {
      T* dst = panel + p * NR;
      for (int j = 0; j < cols; j++) dst[j] = (T)at(d0 + p, j0 + jp + j);
      for (int j = cols; j < NR; j++) dst[j] = T(0);
    }
  }
}

/** Packs rows [i0, i0 + mc) × depths [d0, d0 + kc) of A into MR-row panels (zero rows past `rows`), where
 *  rowSource(i, d0, kc, dst, stride) writes row i's depths, and lists each panel's live depths when live is set. */
template <typename T, typename RowSource>
void packA(RowSource rowSource, size_t rows, size_t i0, int mc, int d0, int kc, T* out, uint16_t* live, int* liveCount) {
  constexpr int MR = Tile<T>::MR;
  for (int ir = 0, panelIndex = 0; ir < mc; ir += MR, panelIndex++) {
    T* panel = out + (size_t)ir * kc;
    for (int r = 0; r < MR; r++) {
      const size_t i = i0 + ir + r;
      if (ir + r < mc && i < rows) {
        rowSource(i, d0, kc, panel + r, MR);
      } else {
        for (int p = 0; p < kc; p++) panel[p * MR + r] = T(0);
      }
    }
    if (live) liveCount[panelIndex] = listLiveDepths<T, MR>(panel, kc, live + (size_t)panelIndex * KC);
  }
}

/** Input row (or column) read by output position o through filter tap f, or −1 in the padding. */
inline int source(int o, int f, int stride, int dilation, int pad, int size) {
  const int i = o * stride - pad + f * dilation;
  return i >= 0 && i < size ? i : -1;
}

/** Output row (or column) that reads input position i through filter tap f, or −1 when none does. */
inline int reader(int i, int f, int stride, int dilation, int pad, int outSize) {
  const int n = i + pad - f * dilation;
  if (n < 0 || n % stride != 0) return -1;
  const int o = n / stride;
  return o < outSize ? o : -1;
}

/** Writes depths [d0, d0 + kc) of a row whose depth d is (tap d / channels, channel d % channels) and whose tap t reads
 *  `base(t)` (a pointer to `channels` contiguous values, or null for zeros), converting to T, at dst[p·stride]. */
template <typename T, typename In, typename Base>
inline void gatherRow(Base base, int channels, int d0, int kc, T* dst, int stride) {
  int d = d0;
  const int end = d0 + kc;
  while (d < end) {
    const int t = d / channels, c0 = d - t * channels;
    const int c1 = std::min(channels, c0 + (end - d));
    const In* src = base(t);
    T* out = dst + (size_t)(d - d0) * stride;
    if (src) {
      for (int c = c0; c < c1; c++) out[(c - c0) * stride] = (T)src[c];
    } else {
      for (int c = c0; c < c1; c++) out[(c - c0) * stride] = T(0);
    }
    d += c1 - c0;
  }
}

/** Rows [start, end) of C = A·B (rows of A from rowSource, B packed whole: `Bp`, depth blocks of `kcStep`), each row
 *  converted into out[i·n + j] once its full depth is summed. */
template <typename T, typename Out, typename RowSource>
bool rowRange(RowSource rowSource, size_t rows, size_t start, size_t end, int depth, int kcStep, int n, const T* Bp, bool skipZeros, Out* out) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, MC = Tile<T>::MC;
  const int nPad = roundUp(n, NR);
  thread_local AlignedBuffer<T> aBuffer, cBuffer;
  thread_local AlignedBuffer<uint16_t> liveBuffer;
  T* Ap = aBuffer.get((size_t)MC * KC);
  T* Cb = cBuffer.get((size_t)MC * nPad);
  uint16_t* live = liveBuffer.get((size_t)(MC / MR) * KC);
  if (!Ap || !Cb || !live) return false;
  int liveCount[MC / MR];
  for (size_t ic = start; ic < end; ic += MC) {
    const int mc = (int)std::min<size_t>(MC, end - ic);
    for (int d0 = 0; d0 < depth; d0 += kcStep) {
      const int kc = std::min(kcStep, depth - d0);
      packA<T>(rowSource, rows, ic, mc, d0, kc, Ap, skipZeros ? live : nullptr, liveCount);
      const T* Bblock = Bp + (size_t)d0 * nPad;
      for (int jr = 0; jr < n; jr += NR) {
        for (int ir = 0; ir < mc; ir += MR) {
          microKernel<T, false>(kc, live + (size_t)(ir / MR) * KC, skipZeros ? liveCount[ir / MR] : kc, Ap + (size_t)ir * kc,
                                Bblock + (size_t)jr * kc, Cb + (size_t)ir * nPad + jr, nPad, d0 == 0, MR, NR);
        }
      }
    }
    for (int r = 0; r < mc; r++) {
      Out* dst = out + (ic + r) * (size_t)n;
      const T* src = Cb + (size_t)r * nPad;
      if (depth == 0) {
        std::fill(dst, dst + n, Out(0));
      } else {
        for (int j = 0; j < n; j++) dst[j] = (Out)src[j];
      }
    }
  }
  return true;
}

/** C = A·B over rows [0, rows) split over `threads` ranges aligned to MR; B given as at(d, j), packed once here. */
template <typename T, typename Out, typename RowSource, typename BAt>
bool rowProduct(RowSource rowSource, size_t rows, int depth, int n, BAt bAt, bool bFinite, Out* out, int threads) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  if (rows == 0 || n == 0) return true;
  const int kcStep = std::max(1, depthBlock(depth));
  const int nPad = roundUp(n, NR);
  thread_local AlignedBuffer<T> bBuffer;
  T* Bp = bBuffer.get((size_t)std::max(depth, 1) * nPad);
  if (!Bp) return false;
  for (int d0 = 0; d0 < depth; d0 += kcStep) {
    const int kc = std::min(kcStep, depth - d0);
    packB<T>(bAt, d0, kc, 0, n, Bp + (size_t)d0 * nPad);
  }
  const size_t step0 = (rows + threads - 1) / threads;
  const size_t step = std::max<size_t>(MR, (step0 + MR - 1) / MR * MR);
  const int parts = (int)((rows + step - 1) / step);
  bool ok = true;
  auto run = [&](int part) {
    const size_t start = (size_t)part * step, end = std::min(rows, start + step);
    if (!rowRange<T, Out>(rowSource, rows, start, end, depth, kcStep, n, Bp, bFinite, out)) ok = false;
  };
  if (parts <= 1) {
    run(0);
  } else {
#pragma omp parallel for num_threads(parts) schedule(static, 1)
    for (int part = 0; part < parts; part++) run(part);
  }
  return ok;
}

template <typename T, typename In, typename Out>
bool conv2dForwardPacked(const In* x, const In* f, Out* out, const Geometry& g, int threads) {
  const int C = g.C, K = g.K, depth = g.fh * g.fw * C;
  const size_t rows = (size_t)g.batch * g.OH * g.OW;
  // Row i = output pixel (b, oy, ox); tap t reads x at (b, oy·sh − pt + fy·dh, ox·sw − pl + fx·dw).
  auto rowSource = [&](size_t i, int d0, int kc, T* dst, int stride) {
    const int ox = (int)(i % g.OW), oy = (int)(i / g.OW % g.OH);
    const size_t b = i / ((size_t)g.OW * g.OH);
    auto base = [&](int t) -> const In* {
      const int iy = source(oy, t / g.fw, g.sh, g.dh, g.pt, g.H), ix = source(ox, t % g.fw, g.sw, g.dw, g.pl, g.W);
      return iy < 0 || ix < 0 ? nullptr : x + ((b * g.H + iy) * g.W + ix) * C;
    };
    gatherRow<T, In>(base, C, d0, kc, dst, stride);
  };
  auto bAt = [&](int d, int j) { return f[(size_t)d * K + j]; };
  return rowProduct<T>(rowSource, rows, depth, K, bAt, allFinite(f, g.fSize()), out, threads);
}

template <typename T, typename In, typename Out>
bool conv2dBackInputPacked(const In* dy, const In* f, Out* dx, const Geometry& g, int threads) {
  const int C = g.C, K = g.K, depth = g.fh * g.fw * K;
  const size_t rows = (size_t)g.batch * g.H * g.W;
  // Row i = input pixel (b, iy, ix); tap t takes dy at the output pixel that reads it through t, if any.
  auto rowSource = [&](size_t i, int d0, int kc, T* dst, int stride) {
    const int ix = (int)(i % g.W), iy = (int)(i / g.W % g.H);
    const size_t b = i / ((size_t)g.W * g.H);
    auto base = [&](int t) -> const In* {
      const int oy = reader(iy, t / g.fw, g.sh, g.dh, g.pt, g.OH), ox = reader(ix, t % g.fw, g.sw, g.dw, g.pl, g.OW);
      return oy < 0 || ox < 0 ? nullptr : dy + ((b * g.OH + oy) * g.OW + ox) * K;
    };
    gatherRow<T, In>(base, K, d0, kc, dst, stride);
  };
  auto bAt = [&](int d, int c) {
    const int t = d / K, k = d - t * K;
    return f[((size_t)t * C + c) * K + k];
  };
  return rowProduct<T>(rowSource, rows, depth, C, bAt, allFinite(f, g.fSize()), dx, threads);
}

/** dFilterᵀ [K, taps·C] = dyᵀ · im2col(x), its columns split over the threads; then transposed into dFilter. */
template <typename T, typename In, typename Out>
bool conv2dBackFilterPacked(const In* x, const In* dy, Out* dFilter, const Geometry& g, int threads) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, MC = Tile<T>::MC;
  const int C = g.C, K = g.K, n = g.fh * g.fw * C;
  const size_t pixels = (size_t)g.batch * g.OH * g.OW;
  if (n == 0 || K == 0) return true;
  const int nPad = roundUp(n, NR), kPad = roundUp(K, MR);
  thread_local AlignedBuffer<T> resultBuffer;
  T* result = resultBuffer.get((size_t)kPad * nPad);
  if (!result) return false;
  if (pixels == 0) std::fill(result, result + (size_t)kPad * nPad, T(0));
  const bool skipZeros = allFinite(x, g.xSize());
  const int columnPanels = nPad / NR;
  const int parts = std::max(1, std::min(threads, columnPanels));
  const int panelsPerPart = (columnPanels + parts - 1) / parts;
  bool ok = true;
  auto run = [&](int part) {
    const int j0 = part * panelsPerPart * NR, j1 = std::min(n, j0 + panelsPerPart * NR);
    if (j0 >= j1) return;
    const int nc = j1 - j0;
    thread_local AlignedBuffer<T> aBuffer, bBuffer;
    thread_local AlignedBuffer<uint16_t> liveBuffer;
    T* Ap = aBuffer.get((size_t)MC * KC);
    T* Bp = bBuffer.get((size_t)KC * roundUp(nc, NR));
    uint16_t* live = liveBuffer.get((size_t)(MC / MR) * KC);
    if (!Ap || !Bp || !live) {
      ok = false;
      return;
    }
    int liveCount[MC / MR];
    for (size_t p0 = 0; p0 < pixels; p0 += KC) {
      const int kc = (int)std::min<size_t>(KC, pixels - p0);
      // B = im2col(x): row p (an output pixel), columns (tap, channel) [j0, j1).
      for (int p = 0; p < kc; p++) {
        const size_t i = p0 + p;
        const int ox = (int)(i % g.OW), oy = (int)(i / g.OW % g.OH);
        const size_t b = i / ((size_t)g.OW * g.OH);
        auto base = [&](int t) -> const In* {
          const int iy = source(oy, t / g.fw, g.sh, g.dh, g.pt, g.H), ix = source(ox, t % g.fw, g.sw, g.dw, g.pl, g.W);
          return iy < 0 || ix < 0 ? nullptr : x + ((b * g.H + iy) * g.W + ix) * C;
        };
        for (int jp = 0; jp < nc; jp += NR) {
          T* dst = Bp + (size_t)jp * kc + (size_t)p * NR;
          const int cols = std::min(NR, nc - jp);
          gatherRow<T, In>(base, C, j0 + jp, cols, dst, 1);
          for (int j = cols; j < NR; j++) dst[j] = T(0);
        }
      }
      // A = dyᵀ: row k, depths = the block's pixels.
      auto aRow = [&](size_t k, int, int depthCount, T* dst, int stride) {
        const In* src = dy + p0 * K + k;
        for (int p = 0; p < depthCount; p++) dst[p * stride] = (T)src[(size_t)p * K];
      };
      for (int ic = 0; ic < K; ic += MC) {
        const int mc = std::min(MC, K - ic);
        packA<T>(aRow, (size_t)K, (size_t)ic, mc, 0, kc, Ap, skipZeros ? live : nullptr, liveCount);
        for (int jr = 0; jr < nc; jr += NR) {
          for (int ir = 0; ir < mc; ir += MR) {
            microKernel<T, false>(kc, live + (size_t)(ir / MR) * KC, skipZeros ? liveCount[ir / MR] : kc, Ap + (size_t)ir * kc,
                                  Bp + (size_t)jr * kc, result + (size_t)(ic + ir) * nPad + j0 + jr, nPad, p0 == 0, MR, NR);
          }
        }
      }
    }
  };
  if (parts == 1) {
    run(0);
  } else {
#pragma omp parallel for num_threads(parts) schedule(static, 1)
    for (int part = 0; part < parts; part++) run(part);
  }
  if (!ok) return false;
  for (int d = 0; d < n; d++)
    for (int k = 0; k < K; k++) dFilter[(size_t)d * K + k] = (Out)result[(size_t)k * nPad + d];
  return true;
}

// Sparse data: relu outputs and, above all, the gradients that come back through relu and a max pool (a 2×2 pool
// passes one value in four) are mostly exact zeros. The packed products above skip a depth only where all the rows of
// a panel are zero; the kernels below list each pixel's (or channel's) nonzero values once and multiply only those,
// one row of the result at a time, its accumulators in registers, the other operand read from the cache.

/** a·b + c rounded once where the target has FMA, as fusedMultiplyAdd (vec.h) does for vectors. */
template <typename T> inline T scalarMultiplyAdd(T a, T b, T c) {
#if defined(__FMA__)
  return std::fma(a, b, c);
#else
  return a * b + c;
#endif
}

/** Bit i set where v[i] is nonzero (bits other than the sign: a NaN counts), for count ≤ 64. */
template <typename In> inline uint64_t nonzeroMask(const In* v, int count) {
  uint64_t mask = 0;
  int i = 0;
#if defined(__AVX__)
  if constexpr (std::is_same_v<In, float>) {
    for (; i + 8 <= count; i += 8)
      mask |= (uint64_t)_mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(v + i), _mm256_setzero_ps(), _CMP_NEQ_UQ)) << i;
  } else {
    for (; i + 4 <= count; i += 4)
      mask |= (uint64_t)_mm256_movemask_pd(_mm256_cmp_pd(_mm256_loadu_pd(v + i), _mm256_setzero_pd(), _CMP_NEQ_UQ)) << i;
  }
#endif
  for (; i < count; i++) mask |= (uint64_t)(v[i] != 0) << i;
  return mask;
}

/** Calls visit(i, v[i]) for each nonzero v[i] of a row of `count` values, in order. */
template <typename In, typename Visit> inline void forEachNonzero(const In* v, int count, Visit visit) {
  for (int c0 = 0; c0 < count; c0 += 64) {
    for (uint64_t mask = nonzeroMask(v + c0, std::min(64, count - c0)); mask; mask &= mask - 1) {
      const int c = c0 + __builtin_ctzll(mask);
      visit(c, v[c]);
    }
  }
}

/** Fraction of nonzero values (bits other than the sign set): all of them when few, else 64 runs of 1024 spread
 *  over the array (reading every cache line would cost as much as a pass of the kernel's own). */
template <typename In> double density(const In* a, size_t n) {
  constexpr size_t runs = 64, run = 1024;
  size_t live = 0, seen = 0;
  if (n <= runs * run * 4) {
    for (size_t i = 0; i < n; i++) live += a[i] != 0;
    seen = n;
  } else {
    for (size_t r = 0; r < runs; r++) {
      const In* at = a + (n - run) / (runs - 1) * r;
      for (size_t i = 0; i < run; i++) live += at[i] != 0;
    }
    seen = runs * run;
  }
  return seen ? (double)live / seen : 1.0;
}

/** The nonzero values of the rows of a [rows, channels] array: row r's are entries [start[r], start[r + 1]), channel
 *  index[e], value value[e] (in the sum type T). Grown-once buffers of the calling thread. */
template <typename T> struct CompressedRows {
  const size_t* start = nullptr;
  const int32_t* index = nullptr;
  const T* value = nullptr;
};

template <typename T, typename In> bool compressRows(const In* a, size_t rows, int channels, CompressedRows<T>& out) {
  thread_local AlignedBuffer<size_t> startBuffer;
  thread_local AlignedBuffer<int32_t> indexBuffer;
  thread_local AlignedBuffer<T> valueBuffer;
  size_t* start = startBuffer.get(rows + 1);
  if (!start) return false;
  size_t total = 0;
  for (size_t r = 0; r < rows; r++) {
    start[r] = total;
    const In* row = a + r * channels;
    for (int c0 = 0; c0 < channels; c0 += 64) total += __builtin_popcountll(nonzeroMask(row + c0, std::min(64, channels - c0)));
  }
  start[rows] = total;
  int32_t* index = indexBuffer.get(std::max<size_t>(total, 1));
  T* value = valueBuffer.get(std::max<size_t>(total, 1));
  if (!index || !value) return false;
  size_t e = 0;
  for (size_t r = 0; r < rows; r++) {
    forEachNonzero(a + r * channels, channels, [&](int c, In v) {
      index[e] = c;
      value[e] = (T)v;
      e++;
    });
  }
  out = {start, index, value};
  return true;
}

/** Rows per block of the sparse products: their partial sums (a few KB) and one tap's rows of B stay in L1. */
constexpr int ROW_BLOCK = 32;

/** For `rows` rows of the result (row r's sources for tap t at sources[r·taps + t], −1 for none), columns
 *  [0, min(NV·W, count)) of out (row stride n): Σ over taps, over the entries (c, v) of the source's compressed row,
 *  v · B[t·tapStride + c·nPad + (0 : NV·W)]. Tap by tap over the block, so that one tap's rows of B are read from L1;
 *  each row's accumulators go through `partial` between taps (the sum order is the same: taps, then entries). */
template <typename T, int NV, typename Out>
void sparseBlock(const int64_t* __restrict sources, int rows, int taps, const size_t* __restrict start, const int32_t* __restrict index,
                 const T* __restrict value, const T* __restrict B, size_t tapStride, int nPad, int count, Out* __restrict out, size_t n,
                 T* __restrict partial) {
  using V = typename Vec<T>::type;
  constexpr int W = Vec<T>::lanes;
  for (int t = 0; t < taps; t++) {
    const T* bt = B + (size_t)t * tapStride;
    const bool first = t == 0, last = t == taps - 1;
    for (int r = 0; r < rows; r++) {
      V acc[NV];
      V* saved = (V*)(partial + (size_t)r * NV * W);
#pragma GCC unroll 8
      for (int u = 0; u < NV; u++) acc[u] = first ? V{} : saved[u];
      const int64_t s = sources[(size_t)r * taps + t];
      if (s >= 0) {
        for (size_t e = start[s], end = start[s + 1]; e < end; e++) {
          const V v = broadcastLoad<V>(value + e);
          const T* w = bt + (size_t)index[e] * nPad;
#pragma GCC unroll 8
          for (int u = 0; u < NV; u++) acc[u] = fusedMultiplyAdd(v, *(const V*)(w + u * W), acc[u]);
        }
      }
      if (!last) {
#pragma GCC unroll 8
        for (int u = 0; u < NV; u++) saved[u] = acc[u];
        continue;
      }
      Out* dst = out + (size_t)r * n;
      if (count >= NV * W) {
#pragma GCC unroll 8
        for (int u = 0; u < NV; u++) {
#pragma GCC unroll 16
          for (int j = 0; j < W; j++) dst[u * W + j] = (Out)acc[u][j];
        }
      } else {
#pragma GCC unroll 8
        for (int u = 0; u < NV; u++) saved[u] = acc[u];
        for (int j = 0; j < count; j++) dst[j] = (Out)partial[(size_t)r * NV * W + j];
      }
    }
  }
}

/** sparseBlock with the taps innermost: each row's accumulators stay in registers through all its taps, for a B
 *  small enough to be read from L1 anyway (few input channels, as an image's first layer). */
template <typename T, int NV, typename Out>
void sparseBlockRegisters(const int64_t* __restrict sources, int rows, int taps, const size_t* __restrict start, const int32_t* __restrict index,
                          const T* __restrict value, const T* __restrict B, size_t tapStride, int nPad, int count, Out* __restrict out, size_t n) {
  using V = typename Vec<T>::type;
  constexpr int W = Vec<T>::lanes;
  for (int r = 0; r < rows; r++) {
    V acc[NV];
#pragma GCC unroll 8
    for (int u = 0; u < NV; u++) acc[u] = V{};
    const int64_t* rowSources = sources + (size_t)r * taps;
    for (int t = 0; t < taps; t++) {
      const int64_t s = rowSources[t];
      if (s < 0) continue;
      const T* bt = B + (size_t)t * tapStride;
      for (size_t e = start[s], end = start[s + 1]; e < end; e++) {
        const V v = broadcastLoad<V>(value + e);
        const T* w = bt + (size_t)index[e] * nPad;
#pragma GCC unroll 8
        for (int u = 0; u < NV; u++) acc[u] = fusedMultiplyAdd(v, *(const V*)(w + u * W), acc[u]);
      }
    }
    Out* dst = out + (size_t)r * n;
    if (count >= NV * W) {
#pragma GCC unroll 8
      for (int u = 0; u < NV; u++) {
#pragma GCC unroll 16
        for (int j = 0; j < W; j++) dst[u * W + j] = (Out)acc[u][j];
      }
    } else {
      alignas(64) T lanes[NV * W];
#pragma GCC unroll 8
      for (int u = 0; u < NV; u++) *(V*)(lanes + u * W) = acc[u];
      for (int j = 0; j < count; j++) dst[j] = (Out)lanes[j];
    }
  }
}

/** A block of rows of the result, all n columns, in chunks of up to 8 vectors. */
template <typename T, typename Out>
void sparseRows(const int64_t* sources, int rows, int taps, const size_t* start, const int32_t* index, const T* value, const T* B, size_t tapStride,
                int nPad, int n, Out* out, T* partial) {
  constexpr int W = Vec<T>::lanes;
  // All of a chunk's B in 16 KB: the taps innermost, no partial sums between them.
  const bool small = (size_t)taps * (tapStride / nPad) * 8 * W * sizeof(T) <= (16u << 10);
  for (int j0 = 0; j0 < n; j0 += 8 * W) {
    const int count = n - j0;
    const T* b = B + j0;
    Out* o = out + j0;
    if (small) {
      switch (std::min(8, (count + W - 1) / W)) {
        case 1: sparseBlockRegisters<T, 1>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        case 2: sparseBlockRegisters<T, 2>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        case 3: sparseBlockRegisters<T, 3>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        case 4: sparseBlockRegisters<T, 4>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        case 5: sparseBlockRegisters<T, 5>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        case 6: sparseBlockRegisters<T, 6>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        case 7: sparseBlockRegisters<T, 7>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
        default: sparseBlockRegisters<T, 8>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n); break;
      }
      continue;
    }
    switch (std::min(8, (count + W - 1) / W)) {
      case 1: sparseBlock<T, 1>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      case 2: sparseBlock<T, 2>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      case 3: sparseBlock<T, 3>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      case 4: sparseBlock<T, 4>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      case 5: sparseBlock<T, 5>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      case 6: sparseBlock<T, 6>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      case 7: sparseBlock<T, 7>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
      default: sparseBlock<T, 8>(sources, rows, taps, start, index, value, b, tapStride, nPad, count, o, n, partial); break;
    }
  }
}

/** Runs body(start, end) over [0, rows) split into `threads` ranges. */
template <typename Body> void splitRows(size_t rows, int threads, Body body) {
  const int parts = (int)std::max<size_t>(1, std::min<size_t>(threads, rows));
  if (parts == 1) {
    body(0, rows);
    return;
  }
  const size_t step = (rows + parts - 1) / parts;
#pragma omp parallel for num_threads(parts) schedule(static, 1)
  for (int part = 0; part < parts; part++) body(std::min(rows, part * step), std::min(rows, (part + 1) * step));
}

/** conv2d over the nonzero values of x: each output pixel sums, tap by tap, the filter rows of its inputs' nonzero
 *  channels (the filter must be finite: a skipped zero would hide 0·Inf). */
template <typename T, typename In, typename Out>
bool conv2dForwardSparse(const In* x, const In* f, Out* out, const Geometry& g, int threads) {
  constexpr int W = Vec<T>::lanes;
  const int C = g.C, K = g.K, taps = g.fh * g.fw, nPad = roundUp(K, W);
  CompressedRows<T> a;
  if (!compressRows<T>(x, (size_t)g.batch * g.H * g.W, C, a)) return false;
  thread_local AlignedBuffer<T> filterBuffer;
  T* Bp = filterBuffer.get((size_t)std::max(taps * C, 1) * nPad);
  if (!Bp) return false;
  for (int d = 0; d < taps * C; d++) {
    for (int k = 0; k < K; k++) Bp[(size_t)d * nPad + k] = (T)f[(size_t)d * K + k];
    for (int k = K; k < nPad; k++) Bp[(size_t)d * nPad + k] = T(0);
  }
  bool ok = true;
  const size_t pixels = (size_t)g.batch * g.OH * g.OW;
  splitRows((pixels + ROW_BLOCK - 1) / ROW_BLOCK, threads, [&](size_t block0, size_t block1) {
    thread_local AlignedBuffer<int64_t> sourceBuffer;
    thread_local AlignedBuffer<T> partialBuffer;
    int64_t* sources = sourceBuffer.get((size_t)ROW_BLOCK * std::max(taps, 1));
    T* partial = partialBuffer.get((size_t)ROW_BLOCK * 8 * W);
    if (!sources || !partial) {
      ok = false;
      return;
    }
    for (size_t i0 = block0 * ROW_BLOCK; i0 < std::min(pixels, block1 * ROW_BLOCK); i0 += ROW_BLOCK) {
      const int rows = (int)std::min<size_t>(ROW_BLOCK, pixels - i0);
      int ox = (int)(i0 % g.OW), oy = (int)(i0 / g.OW % g.OH);
      int64_t b = (int64_t)(i0 / ((size_t)g.OW * g.OH));
      for (int r = 0; r < rows; r++, ox++) {
        if (ox == g.OW) {
          ox = 0;
          if (++oy == g.OH) oy = 0, b++;
        }
        int64_t* row = sources + (size_t)r * taps;
        for (int fy = 0, t = 0; fy < g.fh; fy++) {
          const int iy = oy * g.sh - g.pt + fy * g.dh;
          for (int fx = 0; fx < g.fw; fx++, t++) {
            const int ix = ox * g.sw - g.pl + fx * g.dw;
            row[t] = (unsigned)iy < (unsigned)g.H && (unsigned)ix < (unsigned)g.W ? (b * g.H + iy) * g.W + ix : -1;
          }
        }
      }
      sparseRows<T>(sources, rows, taps, a.start, a.index, a.value, Bp, (size_t)C * nPad, nPad, K, out + i0 * K, partial);
    }
  });
  return ok;
}

/** conv2dBackpropInput over the nonzero values of dy: each input pixel sums, tap by tap, the transposed filter rows
 *  of the nonzero channels of the output pixel that reads it (the filter must be finite). */
template <typename T, typename In, typename Out>
bool conv2dBackInputSparse(const In* dy, const In* f, Out* dx, const Geometry& g, int threads) {
  constexpr int W = Vec<T>::lanes;
  const int C = g.C, K = g.K, taps = g.fh * g.fw, nPad = roundUp(C, W);
  CompressedRows<T> a;
  if (!compressRows<T>(dy, (size_t)g.batch * g.OH * g.OW, K, a)) return false;
  thread_local AlignedBuffer<T> filterBuffer;
  T* Bp = filterBuffer.get((size_t)std::max(taps * K, 1) * nPad);
  if (!Bp) return false;
  // B[t][k][c] = filter[t][c][k].
  for (int t = 0; t < taps; t++) {
    for (int k = 0; k < K; k++) {
      T* row = Bp + ((size_t)t * K + k) * nPad;
      for (int c = 0; c < C; c++) row[c] = (T)f[((size_t)t * C + c) * K + k];
      for (int c = C; c < nPad; c++) row[c] = T(0);
    }
  }
  bool ok = true;
  const size_t pixels = (size_t)g.batch * g.H * g.W;
  splitRows((pixels + ROW_BLOCK - 1) / ROW_BLOCK, threads, [&](size_t block0, size_t block1) {
    thread_local AlignedBuffer<int64_t> sourceBuffer;
    thread_local AlignedBuffer<T> partialBuffer;
    int64_t* sources = sourceBuffer.get((size_t)ROW_BLOCK * std::max(taps, 1));
    T* partial = partialBuffer.get((size_t)ROW_BLOCK * 8 * W);
    if (!sources || !partial) {
      ok = false;
      return;
    }
    for (size_t i0 = block0 * ROW_BLOCK; i0 < std::min(pixels, block1 * ROW_BLOCK); i0 += ROW_BLOCK) {
      const int rows = (int)std::min<size_t>(ROW_BLOCK, pixels - i0);
      int ix = (int)(i0 % g.W), iy = (int)(i0 / g.W % g.H);
      int64_t b = (int64_t)(i0 / ((size_t)g.W * g.H));
      for (int r = 0; r < rows; r++, ix++) {
        if (ix == g.W) {
          ix = 0;
          if (++iy == g.H) iy = 0, b++;
        }
        int64_t* row = sources + (size_t)r * taps;
        for (int fy = 0, t = 0; fy < g.fh; fy++) {
          const int oy = reader(iy, fy, g.sh, g.dh, g.pt, g.OH);
          for (int fx = 0; fx < g.fw; fx++, t++) {
            const int ox = oy < 0 ? -1 : reader(ix, fx, g.sw, g.dw, g.pl, g.OW);
            row[t] = ox < 0 ? -1 : (b * g.OH + oy) * g.OW + ox;
          }
        }
      }
      sparseRows<T>(sources, rows, taps, a.start, a.index, a.value, Bp, (size_t)K * nPad, nPad, C, dx + i0 * C, partial);
    }
  });
  return ok;
}

/** Whether some output pixel's window reaches outside the input (padding taps). */
inline bool readsPadding(const Geometry& g) {
  return !(g.pt == 0 && g.pl == 0 && (int64_t)(g.OH - 1) * g.sh + (int64_t)(g.fh - 1) * g.dh < g.H &&
           (int64_t)(g.OW - 1) * g.sw + (int64_t)(g.fw - 1) * g.dw < g.W);
}

/** Channel k's filter gradient for few input channels: over its entries (pixel p, value v), for each filter row fy,
 *  v times the window row at origin(p) + fy·dh rows (fw·C contiguous values, read as one vector whose extra lanes are
 *  discarded), summed in registers; then added into result[t][k][c]. */
template <typename T, int FH>
void segmentSums(const int32_t* __restrict entryPixel, const T* __restrict value, size_t e0, size_t e1, const int64_t* __restrict origin,
                 const T* __restrict xs, const Geometry& g, int k, T* result) {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  constexpr int W = Vec<T>::lanes;
  const int C = g.C;
  const int64_t rowStride = (int64_t)g.dh * g.W * C;
  V acc[FH];
#pragma GCC unroll 8
  for (int fy = 0; fy < FH; fy++) acc[fy] = V{};
  for (size_t e = e0; e < e1; e++) {
    const T* src = xs + origin[entryPixel[e]] * C;
    const V v = broadcastLoad<V>(value + e);
#pragma GCC unroll 8
    for (int fy = 0; fy < FH; fy++) acc[fy] = fusedMultiplyAdd(v, (V) * (const U*)(src + fy * rowStride), acc[fy]);
  }
  alignas(64) T lanes[W];
  for (int fy = 0; fy < FH; fy++) {
    *(V*)lanes = acc[fy];
    for (int fx = 0; fx < g.fw; fx++)
      for (int c = 0; c < C; c++) result[((size_t)(fy * g.fw + fx) * g.K + k) * C + c] += lanes[fx * C + c];
  }
}

/** Adds v · x[origin(p) + offset][0 : NV·W) over a channel's entries (pixel p, value v) into r[0 : NV·W) (registers),
 *  skipping taps outside the image when Checked. */
template <typename T, int NV, bool Checked>
inline void filterChunk(const int32_t* __restrict entryPixel, const T* __restrict value, size_t e0, size_t e1, const int64_t* __restrict origin,
                        const int32_t* __restrict rowAt, const int32_t* __restrict columnAt, int64_t offset, int dyOffset, int dxOffset, int H,
                        int Wd, const T* __restrict xs, int C, T* __restrict r) {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  constexpr int W = Vec<T>::lanes;
  V acc[NV];
#pragma GCC unroll 8
  for (int u = 0; u < NV; u++) acc[u] = *(const U*)(r + u * W);
  for (size_t e = e0; e < e1; e++) {
    const int32_t p = entryPixel[e];
    if (Checked && ((unsigned)(rowAt[p] + dyOffset) >= (unsigned)H || (unsigned)(columnAt[p] + dxOffset) >= (unsigned)Wd)) continue;
    const T* src = xs + (origin[p] + offset) * C;
    const V v = broadcastLoad<V>(value + e);
#pragma GCC unroll 8
    for (int u = 0; u < NV; u++) acc[u] = fusedMultiplyAdd(v, (V) * (const U*)(src + u * W), acc[u]);
  }
#pragma GCC unroll 8
  for (int u = 0; u < NV; u++) *(U*)(r + u * W) = acc[u];
}

/** conv2dBackpropFilter over the nonzero values of dy, channel by channel: dFilter[t][c][k] sums x at tap t of each
 *  output pixel where dy[·, k] is nonzero, in pixel order, images in blocks that stay in the cache (x must be finite).
 *  The output pixels must fit an int32 (the caller checks). */
template <typename T, typename In, typename Out>
bool conv2dBackFilterSparse(const In* x, const In* dy, Out* dFilter, const Geometry& g, int threads) {
  constexpr int W = Vec<T>::lanes;
  const int C = g.C, K = g.K, taps = g.fh * g.fw;
  const size_t pixels = (size_t)g.batch * g.OH * g.OW, imagePixels = (size_t)g.OH * g.OW;
  thread_local AlignedBuffer<size_t> offsetBuffer;
  thread_local AlignedBuffer<int64_t> originBuffer;
  thread_local AlignedBuffer<int32_t> rowBuffer, columnBuffer, entryBuffer;
  thread_local AlignedBuffer<T> valueBuffer, xBuffer, resultBuffer;
  // Images in blocks whose x (~256 KB) and dy (~256 KB) stay in the cache: the lists are built block by block (both
  // passes over a block's dy read it from the cache) and the sums run block by block.
  const size_t imageBytes = std::max<size_t>((size_t)g.H * g.W * C * sizeof(T), 1), dyImageBytes = std::max<size_t>(imagePixels * K * sizeof(In), 1);
  const size_t blockImages = std::max<size_t>(1, std::min((256u << 10) / imageBytes, (256u << 10) / dyImageBytes));
  const size_t blockPixels = imagePixels * blockImages, blocks = std::max<size_t>(1, (pixels + blockPixels - 1) / blockPixels);
  // Block q's entries of channel k: [offset[q·(K + 1) + k], offset[q·(K + 1) + k + 1]), in pixel order.
  size_t* offset = offsetBuffer.get(blocks * (K + 1));
  // Per output pixel: its window's origin in x (pixel index, row, column; in the padding they may be negative).
  int64_t* origin = originBuffer.get(std::max<size_t>(pixels, 1));
  int32_t* rowAt = rowBuffer.get(std::max<size_t>(pixels, 1));
  int32_t* columnAt = columnBuffer.get(std::max<size_t>(pixels, 1));
  T* result = resultBuffer.get((size_t)std::max(taps * K * C, 1));
  if (!offset || !origin || !rowAt || !columnAt || !result) return false;
  for (int64_t b = 0, p = 0; b < g.batch; b++) {
    for (int oy = 0; oy < g.OH; oy++) {
      for (int ox = 0; ox < g.OW; ox++, p++) {
        rowAt[p] = oy * g.sh - g.pt;
        columnAt[p] = ox * g.sw - g.pl;
        origin[p] = (b * g.H + rowAt[p]) * g.W + columnAt[p];
      }
    }
  }
  // Room for every nonzero value: counted first (a block's count also sets its offsets).
  size_t total = 0;
  for (size_t q = 0; q < blocks; q++) {
    size_t* o = offset + q * (K + 1);
    std::fill(o, o + K + 1, 0);
    for (size_t p = q * blockPixels; p < std::min(pixels, (q + 1) * blockPixels); p++) forEachNonzero(dy + p * K, K, [&](int k, In) { o[k + 1]++; });
    o[0] = total;
    for (int k = 0; k < K; k++) o[k + 1] += o[k];
    total = o[K];
  }
  int32_t* entryPixel = entryBuffer.get(std::max<size_t>(total, 1));
  T* value = valueBuffer.get(std::max<size_t>(total, 1));
  if (!entryPixel || !value) return false;
  {
    thread_local AlignedBuffer<size_t> cursorBuffer;
    size_t* cursor = cursorBuffer.get((size_t)K);
    if (!cursor) return false;
    for (size_t q = 0; q < blocks; q++) {
      std::copy(offset + q * (K + 1), offset + q * (K + 1) + K, cursor);
      for (size_t p = q * blockPixels; p < std::min(pixels, (q + 1) * blockPixels); p++) {
        forEachNonzero(dy + p * K, K, [&](int k, In v) {
          const size_t e = cursor[k]++;
          entryPixel[e] = (int32_t)p;
          value[e] = (T)v;
        });
      }
    }
  }
  // No tap reads outside the image ('valid' padding): no bounds checks.
  const bool inside = !readsPadding(g);
  // Few channels, valid padding, window rows contiguous: a window row at a time in one vector (segmentSums).
  const bool segments = inside && C < W && g.dw == 1 && g.fw * C <= W && g.fh <= 7;
  // x in the sum type (float32 data, float64 sums: a converted copy), with a vector of slack after it when window
  // rows are read as whole vectors.
  const T* xs;
  if (std::is_same_v<T, In> && !segments) {
    xs = (const T*)x;
  } else {
    T* copy = xBuffer.get(g.xSize() + W);
    if (!copy) return false;
    for (size_t i = 0; i < g.xSize(); i++) copy[i] = (T)x[i];
    std::fill(copy + g.xSize(), copy + g.xSize() + W, T(0));
    xs = copy;
  }
  std::fill(result, result + (size_t)taps * K * C, T(0));
  // result[t][k][c]; block by block, each thread its channels.
  splitRows((size_t)K, threads, [&](size_t k0, size_t k1) {
    for (size_t q = 0; q < blocks; q++) {
      for (size_t k = k0; k < k1; k++) {
        const size_t e0 = offset[q * (K + 1) + k], e1 = offset[q * (K + 1) + k + 1];
        if (segments) {
          // A window row (fw taps × C channels, contiguous) is one vector: its sums in registers, one per filter row.
          switch (g.fh) {
            case 1: segmentSums<T, 1>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
            case 2: segmentSums<T, 2>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
            case 3: segmentSums<T, 3>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
            case 4: segmentSums<T, 4>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
            case 5: segmentSums<T, 5>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
            case 6: segmentSums<T, 6>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
            default: segmentSums<T, 7>(entryPixel, value, e0, e1, origin, xs, g, k, result); break;
          }
          continue;
        }
        if (C < W) {
          // Fewer channels than a vector holds (an image's first layer): scalar sums, each over the entries in four
          // interleaved partial sums (one chain of dependent additions would wait on every one).
          for (int fy = 0, t = 0; fy < g.fh; fy++) {
            for (int fx = 0; fx < g.fw; fx++, t++) {
              const int dyOffset = fy * g.dh, dxOffset = fx * g.dw;
              const int64_t offset = (int64_t)dyOffset * g.W + dxOffset;
              for (int c = 0; c < C; c++) {
                const T* xc = xs + offset * C + c;
                auto term = [&](size_t e) -> T {
                  const int32_t p = entryPixel[e];
                  if (!inside && ((unsigned)(rowAt[p] + dyOffset) >= (unsigned)g.H || (unsigned)(columnAt[p] + dxOffset) >= (unsigned)g.W)) return T(0);
                  return value[e] * xc[origin[p] * C];
                };
                T s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                size_t e = e0;
                for (; e + 4 <= e1; e += 4) {
                  s0 += term(e);
                  s1 += term(e + 1);
                  s2 += term(e + 2);
                  s3 += term(e + 3);
                }
                for (; e < e1; e++) s0 += term(e);
                T& r = result[((size_t)t * K + k) * C + c];
                r += (s0 + s1) + (s2 + s3);
              }
            }
          }
          continue;
        }
        for (int fy = 0, t = 0; fy < g.fh; fy++) {
          for (int fx = 0; fx < g.fw; fx++, t++) {
            const int dyOffset = fy * g.dh, dxOffset = fx * g.dw;
            const int64_t offset = (int64_t)dyOffset * g.W + dxOffset;
            T* r = result + ((size_t)t * K + k) * C;
            int c0 = 0;
            auto chunk = [&](auto vectors) {
              constexpr int NV = decltype(vectors)::value;
              if (inside) filterChunk<T, NV, false>(entryPixel, value, e0, e1, origin, rowAt, columnAt, offset, dyOffset, dxOffset, g.H, g.W, xs + c0, C, r + c0);
              else filterChunk<T, NV, true>(entryPixel, value, e0, e1, origin, rowAt, columnAt, offset, dyOffset, dxOffset, g.H, g.W, xs + c0, C, r + c0);
              c0 += NV * W;
            };
            while (c0 + 8 * W <= C) chunk(std::integral_constant<int, 8>());
            if (c0 + 4 * W <= C) chunk(std::integral_constant<int, 4>());
            if (c0 + 2 * W <= C) chunk(std::integral_constant<int, 2>());
            if (c0 + W <= C) chunk(std::integral_constant<int, 1>());
            for (int c = c0; c < C; c++) {
              T sum = r[c];
              for (size_t e = e0; e < e1; e++) {
                const int32_t p = entryPixel[e];
                if (!inside && ((unsigned)(rowAt[p] + dyOffset) >= (unsigned)g.H || (unsigned)(columnAt[p] + dxOffset) >= (unsigned)g.W)) continue;
                sum = scalarMultiplyAdd(value[e], xs[(origin[p] + offset) * C + c], sum);
              }
              r[c] = sum;
            }
          }
        }
      }
    }
  });
  for (int t = 0; t < taps; t++)
    for (int c = 0; c < C; c++)
      for (int k = 0; k < K; k++) dFilter[((size_t)t * C + c) * K + k] = (Out)result[((size_t)t * K + k) * C + c];
  return true;
}

// Dense data: the direct loop, register-blocked: MR output pixels × NV vectors of output channels, each depth
// (tap, input channel) one broadcast per pixel and one load of the filter per vector, the pixels' rows of x read in
// place through per-tap pointers (padding taps read a row of zeros). No packing of the data at all.
template <typename T> struct DirectTile {
  static constexpr int W = Vec<T>::lanes;
  // matmul.cc's register tiles: 16 accumulators of AVX-512's 32 registers, 12 of AVX2's or SSE's 16.
  static constexpr int MR = VECTOR_BYTES == 64 ? 4 : 6;
  static constexpr int NV = VECTOR_BYTES == 64 ? 4 : 2;
  static constexpr int NR = NV * W;
};

/** out rows [0, mr) × columns [0, count) of a tile: Σ over taps and channels of rowOf(r, t)[c] · B[(t·C + c)·NR + ...]. */
template <typename T, typename Out, typename Source>
inline void directTile(Source rowOf, int taps, int C, const T* __restrict B, Out* __restrict out, size_t n, int mr, int count) {
  using V = typename Vec<T>::type;
  constexpr int W = DirectTile<T>::W, MR = DirectTile<T>::MR, NV = DirectTile<T>::NV, NR = DirectTile<T>::NR;
  V acc[MR][NV];
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++)
#pragma GCC unroll 8
    for (int u = 0; u < NV; u++) acc[r][u] = V{};
  for (int t = 0; t < taps; t++) {
    const T* src[MR];
#pragma GCC unroll 8
    for (int r = 0; r < MR; r++) src[r] = rowOf(r, t);
    const T* bt = B + (size_t)t * C * NR;
    for (int c = 0; c < C; c++) {
      V b[NV];
#pragma GCC unroll 8
      for (int u = 0; u < NV; u++) b[u] = *(const V*)(bt + c * NR + u * W);
#pragma GCC unroll 8
      for (int r = 0; r < MR; r++) {
        const V a = broadcastLoad<V>(src[r] + c);
#pragma GCC unroll 8
        for (int u = 0; u < NV; u++) acc[r][u] = fusedMultiplyAdd(a, b[u], acc[r][u]);
      }
    }
  }
  alignas(64) T lanes[NR];
  // Constant bounds (a variable row index would keep the accumulators in memory instead of registers).
#pragma GCC unroll 8
  for (int r = 0; r < MR; r++) {
    if (r >= mr) break;
    Out* dst = out + (size_t)r * n;
    if (count >= NR) {
#pragma GCC unroll 8
      for (int u = 0; u < NV; u++)
#pragma GCC unroll 16
        for (int j = 0; j < W; j++) dst[u * W + j] = (Out)acc[r][u][j];
    } else {
#pragma GCC unroll 8
      for (int u = 0; u < NV; u++) *(V*)(lanes + u * W) = acc[r][u];
      for (int j = 0; j < count; j++) dst[j] = (Out)lanes[j];
    }
  }
}

template <typename T, typename In, typename Out>
bool conv2dForwardDirect(const In* x, const In* f, Out* out, const Geometry& g, int threads) {
  constexpr int MR = DirectTile<T>::MR, NR = DirectTile<T>::NR;
  const int C = g.C, K = g.K, taps = g.fh * g.fw, depth = taps * C, panels = (K + NR - 1) / NR;
  const size_t pixels = (size_t)g.batch * g.OH * g.OW;
  if (pixels == 0 || K == 0) return true;
  // x in the sum type (float32 data, float64 sums: a converted copy); a row of zeros for the padding taps.
  thread_local AlignedBuffer<T> xBuffer, zeroBuffer, filterBuffer;
  const T* xs;
  if constexpr (std::is_same_v<T, In>) {
    xs = x;
  } else {
    T* copy = xBuffer.get(std::max<size_t>(g.xSize(), 1));
    if (!copy) return false;
    for (size_t i = 0; i < g.xSize(); i++) copy[i] = (T)x[i];
    xs = copy;
  }
  T* zeros = zeroBuffer.get((size_t)std::max(C, 1));
  // The filter in NR-column panels: panel q, depth d at (q·depth + d)·NR.
  T* Bp = filterBuffer.get((size_t)std::max(panels * depth, 1) * NR);
  if (!zeros || !Bp) return false;
  std::fill(zeros, zeros + std::max(C, 1), T(0));
  for (int q = 0; q < panels; q++)
    for (int d = 0; d < depth; d++)
      for (int j = 0; j < NR; j++) {
        const int k = q * NR + j;
        Bp[((size_t)q * depth + d) * NR + j] = k < K ? (T)f[(size_t)d * K + k] : T(0);
      }
  bool ok = true;
  splitRows((pixels + MR - 1) / MR, threads, [&](size_t tile0, size_t tile1) {
    thread_local AlignedBuffer<const T*> rowBuffer;
    const T** rows = rowBuffer.get((size_t)MR * std::max(taps, 1));
    if (!rows) {
      ok = false;
      return;
    }
    thread_local AlignedBuffer<int64_t> offsetBuffer;
    int64_t* tapOffset = offsetBuffer.get((size_t)std::max(taps, 1));
    if (!tapOffset) {
      ok = false;
      return;
    }
    for (int fy = 0, t = 0; fy < g.fh; fy++)
      for (int fx = 0; fx < g.fw; fx++, t++) tapOffset[t] = ((int64_t)fy * g.dh * g.W + (int64_t)fx * g.dw) * C;
    const int64_t pixelStride = (int64_t)g.sw * C;
    size_t i0 = tile0 * MR;
    int ox0 = (int)(i0 % g.OW), oy0 = (int)(i0 / g.OW % g.OH);
    int64_t b0 = (int64_t)(i0 / ((size_t)g.OW * g.OH));
    for (; i0 < std::min(pixels, tile1 * MR); i0 += MR) {
      const int mr = (int)std::min<size_t>(MR, pixels - i0);
      const int ys = oy0 * g.sh - g.pt, xs0 = ox0 * g.sw - g.pl;
      // The whole tile in one output row, every tap inside the input: rows by arithmetic, no table.
      const bool interior = mr == MR && ox0 + MR <= g.OW && ys >= 0 && ys + (g.fh - 1) * g.dh < g.H && xs0 >= 0 &&
                            xs0 + (MR - 1) * g.sw + (g.fw - 1) * g.dw < g.W;
      if (interior) {
        const T* base = xs + ((b0 * g.H + ys) * g.W + xs0) * C;
        auto rowOf = [&](int r, int t) { return base + tapOffset[t] + r * pixelStride; };
        for (int q = 0; q < panels; q++)
          directTile<T>(rowOf, taps, C, Bp + (size_t)q * depth * NR, out + i0 * K + (size_t)q * NR, K, mr, K - q * NR);
      } else {
        int ox = ox0, oy = oy0;
        int64_t b = b0;
        for (int r = 0; r < MR; r++) {
          const T** rowTaps = rows + (size_t)r * taps;
          if (r >= mr) {
            for (int t = 0; t < taps; t++) rowTaps[t] = zeros;
            continue;
          }
          for (int fy = 0, t = 0; fy < g.fh; fy++) {
            const int iy = oy * g.sh - g.pt + fy * g.dh;
            for (int fx = 0; fx < g.fw; fx++, t++) {
              const int ix = ox * g.sw - g.pl + fx * g.dw;
              rowTaps[t] = (unsigned)iy < (unsigned)g.H && (unsigned)ix < (unsigned)g.W ? xs + ((b * g.H + iy) * g.W + ix) * C : zeros;
            }
          }
          if (++ox == g.OW) {
            ox = 0;
            if (++oy == g.OH) oy = 0, b++;
          }
        }
        auto rowOf = [&](int r, int t) { return rows[(size_t)r * taps + t]; };
        for (int q = 0; q < panels; q++)
          directTile<T>(rowOf, taps, C, Bp + (size_t)q * depth * NR, out + i0 * K + (size_t)q * NR, K, mr, K - q * NR);
      }
      for (ox0 += MR; ox0 >= g.OW;) {
        ox0 -= g.OW;
        if (++oy0 == g.OH) oy0 = 0, b0++;
      }
    }
  });
  return ok;
}

// Which kernel: the sparse ones below these densities (nonzero fraction of the data operand), measured on this
// network's layers (docs/benchmarks.md). LOGITKIT_CONV_PATH=packed|sparse|direct forces one where it applies (read
// once; for measuring and for running the kernel spec on every path).
int forcedPath() {
  static const int path = [] {
    const char* v = std::getenv("LOGITKIT_CONV_PATH");
    return v == nullptr ? 0 : std::strcmp(v, "packed") == 0 ? 1 : std::strcmp(v, "sparse") == 0 ? 2 : std::strcmp(v, "direct") == 0 ? 3 : 0;
  }();
  return path;
}

template <typename T, typename In, typename Out>
bool conv2dForward(const In* x, const In* f, Out* out, const Geometry& g, int threads) {
  const int path = forcedPath();
  if (path == 1 || (path == 0 && g.fh * g.fw * g.C > 4096)) return conv2dForwardPacked<T>(x, f, out, g, threads);
  if (path == 2 || (path == 0 && density(x, g.xSize()) < 0.45)) return conv2dForwardSparse<T>(x, f, out, g, threads);
  return conv2dForwardDirect<T>(x, f, out, g, threads);
}

/** conv2dBackpropInput for stride 1 as a forward convolution of dy (the direct tiles): dx = conv2d(dy, filter flipped
 *  in space and transposed to [fh, fw, K, C]), padded by (f − 1)·d − pad, which must not be negative. */
template <typename T, typename In, typename Out>
bool conv2dBackInputDirect(const In* dy, const In* f, Out* dx, const Geometry& g, int threads) {
  thread_local AlignedBuffer<In> flippedBuffer;
  In* flipped = flippedBuffer.get(std::max<size_t>(g.fSize(), 1));
  if (!flipped) return false;
  for (int fy = 0; fy < g.fh; fy++)
    for (int fx = 0; fx < g.fw; fx++)
      for (int c = 0; c < g.C; c++)
        for (int k = 0; k < g.K; k++)
          flipped[(((size_t)fy * g.fw + fx) * g.K + k) * g.C + c] = f[(((size_t)(g.fh - 1 - fy) * g.fw + (g.fw - 1 - fx)) * g.C + c) * g.K + k];
  const Geometry t{g.batch, g.OH, g.OW, g.K, g.H, g.W, g.C, g.fh, g.fw, 1, 1, g.dh, g.dw, (g.fh - 1) * g.dh - g.pt, (g.fw - 1) * g.dw - g.pl};
  return conv2dForwardDirect<T>(dy, flipped, dx, t, threads);
}

template <typename T, typename In, typename Out>
bool conv2dBackInput(const In* dy, const In* f, Out* dx, const Geometry& g, int threads) {
  const int path = forcedPath();
  const bool direct = g.sh == 1 && g.sw == 1 && g.pt <= (g.fh - 1) * g.dh && g.pl <= (g.fw - 1) * g.dw;
  if (path == 2 || (path == 0 && density(dy, g.ySize(g.K)) < (direct ? 0.7 : 0.8))) return conv2dBackInputSparse<T>(dy, f, dx, g, threads);
  if (direct && (path == 0 || path == 3)) return conv2dBackInputDirect<T>(dy, f, dx, g, threads);
  return conv2dBackInputPacked<T>(dy, f, dx, g, threads);
}

/** Taps (fh·fw·C) up to which conv2dBackFilterFewTaps keeps every tap's sums in registers. */
constexpr int FEW_TAPS = 12;

/** dFilter for TAPS = fh·fw·C taps (an image's first layer: 3 × 3 × 1): for each block of output channels, every
 *  output pixel's dy values (one or two vectors) times each of its TAPS input values (broadcast), summed in registers
 *  in pixel order; no listing of dy's nonzero values, no patch matrix. Rows of output pixels in chunks of about
 *  256 KB of dy, every block of channels over a chunk before the next, so dy is read from memory once (a block per
 *  pass over all of dy read it once per block: 1.7 ms for the CNN's first layer at batch 128, bound by memory). The
 *  windows must not read padding. Threads take blocks of channels. */
template <typename T, int TAPS, typename In, typename Out>
bool conv2dBackFilterFewTaps(const In* x, const In* dy, Out* dFilter, const Geometry& g, int threads) {
  using V = typename Vec<T>::type;
  constexpr int W = Vec<T>::lanes, NV = VECTOR_BYTES == 64 ? 2 : 1, COLS = NV * W;
  typedef In InVec __attribute__((vector_size(sizeof(In) * W), aligned(alignof(In))));
  const int K = g.K;
  int64_t tapAt[TAPS];
  for (int fy = 0, t = 0; fy < g.fh; fy++)
    for (int fx = 0; fx < g.fw; fx++)
      for (int c = 0; c < g.C; c++, t++) tapAt[t] = ((int64_t)fy * g.dh * g.W + (int64_t)fx * g.dw) * g.C + c;
  const int blocks = (K + COLS - 1) / COLS;
  // Per block of channels, its TAPS × COLS sums between chunks.
  thread_local AlignedBuffer<T> sumBuffer;
  T* sums = sumBuffer.get((size_t)std::max(blocks, 1) * TAPS * COLS);
  if (!sums) return false;
  std::fill(sums, sums + (size_t)blocks * TAPS * COLS, T(0));
  const int64_t rows = (int64_t)g.batch * g.OH;
  const int64_t chunk = std::max<int64_t>(1, (256 << 10) / std::max<int64_t>(1, (int64_t)g.OW * K * (int64_t)sizeof(In)));
  auto block = [&](int q, int64_t r0, int64_t r1) {
    const int k0 = q * COLS, cols = std::min(COLS, K - k0);
    T* saved = sums + (size_t)q * TAPS * COLS;
    V acc[TAPS][NV];
    for (int t = 0; t < TAPS; t++)
      for (int v = 0; v < NV; v++) acc[t][v] = *(const V*)(saved + t * COLS + v * W);
    alignas(64) In edge[COLS] = {};
    for (int64_t r = r0; r < r1; r++) {
      const int64_t b = r / g.OH;
      const int oy = (int)(r % g.OH);
      const In* row = x + (b * g.H + (int64_t)oy * g.sh) * g.W * g.C;
      const In* d = dy + (size_t)r * g.OW * K + k0;
      for (int ox = 0; ox < g.OW; ox++, d += K) {
        const In* origin = row + (int64_t)ox * g.sw * g.C;
        const In* from = d;
        if (cols < COLS) {
          std::copy(d, d + cols, edge);
          from = edge;
        }
        V dv[NV];
#pragma GCC unroll 2
        for (int v = 0; v < NV; v++) dv[v] = __builtin_convertvector(*(const InVec*)(from + v * W), V);
#pragma GCC unroll 12
        for (int t = 0; t < TAPS; t++) {
          const T xt = (T)origin[tapAt[t]];
          const V xv = broadcastLoad<V>(&xt);
#pragma GCC unroll 2
          for (int v = 0; v < NV; v++) acc[t][v] = fusedMultiplyAdd(xv, dv[v], acc[t][v]);
        }
      }
    }
    for (int t = 0; t < TAPS; t++)
      for (int v = 0; v < NV; v++) *(V*)(saved + t * COLS + v * W) = acc[t][v];
  };
  const int parts = std::max(1, std::min(threads, blocks));
  for (int64_t r0 = 0; r0 < rows; r0 += chunk) {
    const int64_t r1 = std::min(rows, r0 + chunk);
    if (parts == 1) {
      for (int q = 0; q < blocks; q++) block(q, r0, r1);
    } else {
#pragma omp parallel for num_threads(parts) schedule(static, 1)
      for (int q = 0; q < blocks; q++) block(q, r0, r1);
    }
  }
  for (int q = 0; q < blocks; q++) {
    const int k0 = q * COLS, cols = std::min(COLS, K - k0);
    for (int t = 0; t < TAPS; t++)
      for (int j = 0; j < cols; j++) dFilter[(size_t)t * K + k0 + j] = (Out)sums[((size_t)q * TAPS + t) * COLS + j];
  }
  return true;
}

/** conv2dBackFilterFewTaps for the geometry's number of taps (at most FEW_TAPS). */
template <typename T, typename In, typename Out>
bool conv2dBackFilterFew(const In* x, const In* dy, Out* dFilter, const Geometry& g, int threads) {
  switch (g.fh * g.fw * g.C) {
    case 1: return conv2dBackFilterFewTaps<T, 1>(x, dy, dFilter, g, threads);
    case 2: return conv2dBackFilterFewTaps<T, 2>(x, dy, dFilter, g, threads);
    case 3: return conv2dBackFilterFewTaps<T, 3>(x, dy, dFilter, g, threads);
    case 4: return conv2dBackFilterFewTaps<T, 4>(x, dy, dFilter, g, threads);
    case 5: return conv2dBackFilterFewTaps<T, 5>(x, dy, dFilter, g, threads);
    case 6: return conv2dBackFilterFewTaps<T, 6>(x, dy, dFilter, g, threads);
    case 7: return conv2dBackFilterFewTaps<T, 7>(x, dy, dFilter, g, threads);
    case 8: return conv2dBackFilterFewTaps<T, 8>(x, dy, dFilter, g, threads);
    case 9: return conv2dBackFilterFewTaps<T, 9>(x, dy, dFilter, g, threads);
    case 10: return conv2dBackFilterFewTaps<T, 10>(x, dy, dFilter, g, threads);
    case 11: return conv2dBackFilterFewTaps<T, 11>(x, dy, dFilter, g, threads);
    default: return conv2dBackFilterFewTaps<T, 12>(x, dy, dFilter, g, threads);
  }
}

template <typename T, typename In, typename Out>
bool conv2dBackFilter(const In* x, const In* dy, Out* dFilter, const Geometry& g, int threads) {
  const int path = forcedPath();
  // Few taps and no padding (an image's first layer): every tap's sums in registers, faster than listing dy.
  if ((path == 0 || path == 3) && g.C >= 1 && g.fh * g.fw * g.C <= FEW_TAPS && !readsPadding(g)) {
    return conv2dBackFilterFew<T>(x, dy, dFilter, g, threads);
  }
  const bool possible = g.ySize(1) <= (size_t)INT32_MAX && allFinite(x, g.xSize());
  if (possible && (path == 2 || (path == 0 && density(dy, g.ySize(g.K)) < 0.45))) return conv2dBackFilterSparse<T>(x, dy, dFilter, g, threads);
  return conv2dBackFilterPacked<T>(x, dy, dFilter, g, threads);
}

/** Calls visit(y0, y1, x0, x1) with the in-bounds input rows [y0, y1) and columns [x0, x1) of output pixel (oy, ox)'s
 *  window (pools have dilation 1). */
inline void windowBounds(const Geometry& g, int oy, int ox, int& y0, int& y1, int& x0, int& x1) {
  const int ys = oy * g.sh - g.pt, xs = ox * g.sw - g.pl;
  y0 = std::max(ys, 0);
  y1 = std::min(ys + g.fh, g.H);
  x0 = std::max(xs, 0);
  x1 = std::min(xs + g.fw, g.W);
}

/** Runs body(b) for each image, over `threads` when there are enough images. */
template <typename Body> void forEachImage(int batch, int threads, Body body) {
  if (threads <= 1 || batch < 2) {
    for (int b = 0; b < batch; b++) body(b);
    return;
  }
#pragma omp parallel for num_threads(std::min(threads, batch)) schedule(static)
  for (int b = 0; b < batch; b++) body(b);
}

/** A vector of L int32 lanes (the indices beside L values). */
template <int L> struct IndexVec;
template <> struct IndexVec<2> {
  typedef int32_t type __attribute__((vector_size(8)));
  typedef int32_t unaligned __attribute__((vector_size(8), aligned(4)));
};
template <> struct IndexVec<4> {
  typedef int32_t type __attribute__((vector_size(16)));
  typedef int32_t unaligned __attribute__((vector_size(16), aligned(4)));
};
template <> struct IndexVec<8> {
  typedef int32_t type __attribute__((vector_size(32)));
  typedef int32_t unaligned __attribute__((vector_size(32), aligned(4)));
};
template <> struct IndexVec<16> {
  typedef int32_t type __attribute__((vector_size(64)));
  typedef int32_t unaligned __attribute__((vector_size(64), aligned(4)));
};

/** Channels [c0, c0 + L) of one output pixel's window maximum, L = a vector's lanes: the values and their indices
 *  in vector registers through the window's taps. */
template <typename T, bool WithIndex>
inline void maxPoolVector(const T* x, T* best, int32_t* at, const Geometry& g, size_t b, int y0, int y1, int x0, int x1, int c0) {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  constexpr int L = Vec<T>::lanes;
  using I = typename IndexVec<L>::type;
  using IU = typename IndexVec<L>::unaligned;
  I iota;
  for (int j = 0; j < L; j++) iota[j] = j;
  const size_t first = (((size_t)b * g.H + y0) * g.W + x0) * g.C + c0;
  V m = *(const U*)(x + first);
  I idx = (int32_t)first + iota;
  bool skip = true;
  for (int iy = y0; iy < y1; iy++) {
    for (int ix = x0; ix < x1; ix++) {
      if (skip) {
        skip = false;
        continue;
      }
      const size_t i = (((size_t)b * g.H + iy) * g.W + ix) * g.C + c0;
      const V v = *(const U*)(x + i);
      // Greater, or a NaN where the best is not NaN yet.
      const auto take = (v > m) | ((v != v) & (m == m));
      m = take ? v : m;
      if (WithIndex) idx = __builtin_convertvector(take, I) ? (int32_t)i + iota : idx;
    }
  }
  *(U*)best = m;
  if (WithIndex) *(IU*)at = idx;
}

/** The first maximum of each window in window order, a NaN winning and staying (the reference's rule); an empty
 *  window gives −Infinity and index −1. */
template <typename T, bool WithIndex> void maxPool(const T* x, T* out, int32_t* argMax, const Geometry& g, int threads) {
  constexpr int L = Vec<T>::lanes;
  const int C = g.C;
  forEachImage(g.batch, threads, [&](int b) {
    for (int oy = 0; oy < g.OH; oy++) {
      for (int ox = 0; ox < g.OW; ox++) {
        const size_t o = (((size_t)b * g.OH + oy) * g.OW + ox) * C;
        T* best = out + o;
        int32_t* at = WithIndex ? argMax + o : nullptr;
        int y0, y1, x0, x1;
        windowBounds(g, oy, ox, y0, y1, x0, x1);
        if (y0 >= y1 || x0 >= x1) {
          for (int c = 0; c < C; c++) best[c] = -std::numeric_limits<T>::infinity();
          if (WithIndex)
            for (int c = 0; c < C; c++) at[c] = -1;
          continue;
        }
        int c0 = 0;
        for (; c0 + L <= C; c0 += L) maxPoolVector<T, WithIndex>(x, best + c0, WithIndex ? at + c0 : nullptr, g, b, y0, y1, x0, x1, c0);
        for (int c = c0; c < C; c++) {
          bool first = true;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const size_t i = (((size_t)b * g.H + iy) * g.W + ix) * C + c;
              const T v = x[i];
              if (first || v > best[c] || (v != v && best[c] == best[c])) {
                best[c] = v;
                if (WithIndex) at[c] = (int32_t)i;
              }
              first = false;
            }
          }
        }
      }
    }
  });
}

/** Whether no input element is in two windows (stride ≥ window), so a gradient receives at most one term. */
inline bool disjointWindows(const Geometry& g) { return g.sh >= g.fh && g.sw >= g.fw; }

/** maxPoolBackprop for disjoint windows whose argMax lies in its own window (as maxPool gives it): each window is
 *  written whole, 0 + dy where the index matches (the reference's sum from +0: a −0 becomes +0) and 0 elsewhere, with
 *  no separate pass of zeros (and none at all where the windows tile the input). False, with dx partly written, where
 *  an index is outside its window. */
template <typename T> bool maxPoolBackpropWindows(const T* dy, const int32_t* argMax, T* dx, const Geometry& g) {
  using V = typename Vec<T>::type;
  using U = typename Vec<T>::unaligned;
  constexpr int L = Vec<T>::lanes;
  using I = typename IndexVec<L>::type;
  using IU = typename IndexVec<L>::unaligned;
  using Mask = decltype(V{} < V{});
  const int C = g.C;
  const bool tiled = g.pt == 0 && g.pl == 0 && g.sh == g.fh && g.sw == g.fw && (int64_t)g.OH * g.fh == g.H && (int64_t)g.OW * g.fw == g.W;
  if (!tiled) std::fill(dx, dx + g.xSize(), T(0));
  I iota;
  for (int j = 0; j < L; j++) iota[j] = j;
  for (int b = 0; b < g.batch; b++) {
    for (int oy = 0; oy < g.OH; oy++) {
      for (int ox = 0; ox < g.OW; ox++) {
        const size_t o = (((size_t)b * g.OH + oy) * g.OW + ox) * C;
        int y0, y1, x0, x1;
        windowBounds(g, oy, ox, y0, y1, x0, x1);
        int c0 = 0;
        for (; c0 + L <= C; c0 += L) {
          const V d = *(const U*)(dy + o + c0);
          const I a = *(const IU*)(argMax + o + c0);
          I matched = a < 0;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const size_t i = (((size_t)b * g.H + iy) * g.W + ix) * C + c0;
              const I hit = a == (int32_t)i + iota;
              matched |= hit;
              *(U*)(dx + i) = __builtin_convertvector(hit, Mask) ? d + V{} : V{};
            }
          }
          for (int j = 0; j < L; j++)
            if (!matched[j]) return false;
        }
        for (int c = c0; c < C; c++) {
          const int32_t a = argMax[o + c];
          bool matched = a < 0;
          for (int iy = y0; iy < y1; iy++) {
            for (int ix = x0; ix < x1; ix++) {
              const size_t i = (((size_t)b * g.H + iy) * g.W + ix) * C + c;
              matched |= a == (int32_t)i;
              dx[i] = a == (int32_t)i ? dy[o + c] + T(0) : T(0);
            }
          }
          if (!matched) return false;
        }
      }
    }
  }
  return true;
}

/** dx = 0, then dy[o] added at argMax[o] (indices outside dx skipped, as the reference), summed in float64. */
template <typename T> bool maxPoolBackprop(const T* dy, const int32_t* argMax, T* dx, size_t n, size_t outs, const Geometry& g) {
  if (disjointWindows(g) && n <= (size_t)INT32_MAX && maxPoolBackpropWindows(dy, argMax, dx, g)) return true;
  if (std::is_same_v<T, double> || disjointWindows(g)) {
    // One term per element (or float64 data): the float64 sum is the element's own value.
    std::fill(dx, dx + n, T(0));
    for (size_t o = 0; o < outs; o++) {
      const int32_t i = argMax[o];
      if (i >= 0 && (size_t)i < n) dx[i] = (T)((double)dx[i] + (double)dy[o]);
    }
    return true;
  }
  thread_local AlignedBuffer<double> sumBuffer;
  double* sums = sumBuffer.get(n);
  if (!sums) return false;
  std::fill(sums, sums + n, 0.0);
  for (size_t o = 0; o < outs; o++) {
    const int32_t i = argMax[o];
    if (i >= 0 && (size_t)i < n) sums[i] += (double)dy[o];
  }
  for (size_t i = 0; i < n; i++) dx[i] = (T)sums[i];
  return true;
}

/** The mean of each window's in-bounds elements, summed in float64 in window order (the reference's bits). */
template <typename T> bool avgPool(const T* x, T* out, const Geometry& g, int threads) {
  const int C = g.C;
  bool ok = true;
  forEachImage(g.batch, threads, [&](int b) {
    thread_local AlignedBuffer<double> sumBuffer;
    double* sums = sumBuffer.get(std::max(C, 1));
    if (!sums) {
      ok = false;
      return;
    }
    for (int oy = 0; oy < g.OH; oy++) {
      for (int ox = 0; ox < g.OW; ox++) {
        int y0, y1, x0, x1;
        windowBounds(g, oy, ox, y0, y1, x0, x1);
        const double count = (double)std::max(0, y1 - y0) * std::max(0, x1 - x0);
        std::fill(sums, sums + C, 0.0);
        for (int iy = y0; iy < y1; iy++) {
          for (int ix = x0; ix < x1; ix++) {
            const T* v = x + (((size_t)b * g.H + iy) * g.W + ix) * C;
#pragma omp simd
            for (int c = 0; c < C; c++) sums[c] += (double)v[c];
          }
        }
        T* dst = out + (((size_t)b * g.OH + oy) * g.OW + ox) * C;
        for (int c = 0; c < C; c++) dst[c] = (T)(sums[c] / count);
      }
    }
  });
  return ok;
}

/** Each dy[o] / (its window's count) added to the window's elements in the reference's order, in float64. */
template <typename T> bool avgPoolBackprop(const T* dy, T* dx, size_t n, const Geometry& g, int threads) {
  const int C = g.C;
  double* sums = nullptr;
  const bool direct = std::is_same_v<T, double> || disjointWindows(g);
  if (!direct) {
    thread_local AlignedBuffer<double> sumBuffer;
    sums = sumBuffer.get(n);
    if (!sums) return false;
  }
  // Windows never cross images: each image is its own range of dx.
  forEachImage(g.batch, direct ? threads : 1, [&](int b) {
    const size_t image = (size_t)g.H * g.W * C;
    T* dxImage = dx + b * image;
    double* sumImage = direct ? nullptr : sums + b * image;
    if (direct) std::fill(dxImage, dxImage + image, T(0));
    else std::fill(sumImage, sumImage + image, 0.0);
    for (int oy = 0; oy < g.OH; oy++) {
      for (int ox = 0; ox < g.OW; ox++) {
        int y0, y1, x0, x1;
        windowBounds(g, oy, ox, y0, y1, x0, x1);
        const double count = (double)std::max(0, y1 - y0) * std::max(0, x1 - x0);
        const T* d = dy + (((size_t)b * g.OH + oy) * g.OW + ox) * C;
        for (int iy = y0; iy < y1; iy++) {
          for (int ix = x0; ix < x1; ix++) {
            const size_t at = ((size_t)iy * g.W + ix) * C;
            if (direct) {
              T* dst = dxImage + at;
#pragma omp simd
              for (int c = 0; c < C; c++) dst[c] = (T)((double)dst[c] + (double)d[c] / count);
            } else {
              double* dst = sumImage + at;
#pragma omp simd
              for (int c = 0; c < C; c++) dst[c] += (double)d[c] / count;
            }
          }
        }
      }
    }
    if (!direct)
      for (size_t i = 0; i < image; i++) dxImage[i] = (T)sumImage[i];
  });
  return true;
}

/** The reference's direct loops (src/kernels/ts/conv.ts), sums of type T: for operands holding an Inf or NaN, where
 *  the products above would multiply a padding zero by them (0·Inf is NaN) and the reference skips padding taps. */
template <typename T, typename In, typename Out>
bool directConvolution(int which, const In* in0, const In* in1, Out* out, const Geometry& g) {
  const int C = g.C, K = g.K;
  const size_t outSize = which == 0 ? g.ySize(K) : which == 1 ? g.xSize() : g.fSize();
  thread_local AlignedBuffer<T> sumBuffer;
  T* acc = sumBuffer.get(std::max<size_t>(outSize, 1));
  if (!acc) return false;
  std::fill(acc, acc + outSize, T(0));
  for (int b = 0; b < g.batch; b++) {
    for (int oy = 0; oy < g.OH; oy++) {
      for (int ox = 0; ox < g.OW; ox++) {
        const size_t yBase = (((size_t)b * g.OH + oy) * g.OW + ox) * K;
        for (int fy = 0; fy < g.fh; fy++) {
          const int iy = source(oy, fy, g.sh, g.dh, g.pt, g.H);
          if (iy < 0) continue;
          for (int fx = 0; fx < g.fw; fx++) {
            const int ix = source(ox, fx, g.sw, g.dw, g.pl, g.W);
            if (ix < 0) continue;
            const size_t xBase = (((size_t)b * g.H + iy) * g.W + ix) * C;
            const size_t fBase = ((size_t)fy * g.fw + fx) * C * K;
            for (int c = 0; c < C; c++) {
              const size_t row = fBase + (size_t)c * K;
              if (which == 0) {
                const T v = (T)in0[xBase + c];
                for (int k = 0; k < K; k++) acc[yBase + k] += v * (T)in1[row + k];
              } else if (which == 1) {
                T sum = 0;
                for (int k = 0; k < K; k++) sum += (T)in0[yBase + k] * (T)in1[row + k];
                acc[xBase + c] += sum;
              } else {
                const T v = (T)in0[xBase + c];
                for (int k = 0; k < K; k++) acc[row + k] += v * (T)in1[yBase + k];
              }
            }
          }
        }
      }
    }
  }
  for (size_t i = 0; i < outSize; i++) out[i] = (Out)acc[i];
  return true;
}

/** The geometry from an Int32Array of 15 values in Conv2dGeometry's order; false (and a thrown error) when it is not
 *  one: negative sizes, strides or dilations below 1, or positions that overflow 32 bits. */
bool readGeometry(Args& a, size_t index, const char* op, Geometry& g) {
  ArrayArg arr = a.array(index);
  if (!a.ok) return false;
  if (arr.type != napi_int32_array || arr.length != 15) {
    a.fail("logitkit native conv: the geometry must be an Int32Array of 15 values");
    return false;
  }
  const int32_t* v = (const int32_t*)arr.data;
  g = {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14]};
  const int64_t reachY = (int64_t)std::max(g.OH - 1, 0) * g.sh + (int64_t)std::max(g.fh - 1, 0) * g.dh + g.H + g.pt;
  const int64_t reachX = (int64_t)std::max(g.OW - 1, 0) * g.sw + (int64_t)std::max(g.fw - 1, 0) * g.dw + g.W + g.pl;
  bool fine = g.sh >= 1 && g.sw >= 1 && g.dh >= 1 && g.dw >= 1 && reachY < INT32_MAX && reachX < INT32_MAX;
  for (int i = 0; i < 15; i++) fine = fine && v[i] >= 0;
  if (!fine) {
    char message[120];
    snprintf(message, sizeof message, "logitkit native %s: invalid geometry", op);
    a.failRange(message);
    return false;
  }
  return true;
}

bool lengthsMatch(Args& a, const char* op, std::initializer_list<std::pair<const ArrayArg*, size_t>> checks) {
  for (const auto& [arr, need] : checks) {
    if (arr->length != need) {
      char message[160];
      snprintf(message, sizeof message, "logitkit native %s: an array's length does not match the geometry", op);
      a.failRange(message);
      return false;
    }
  }
  return true;
}

bool sizesFit(Args& a, const char* op, const Geometry& g) {
  size_t s;
  const bool fine = mulAdd((size_t)g.batch * g.H, (size_t)g.W * g.C, 0, s) && mulAdd((size_t)g.batch * g.OH, (size_t)g.OW * std::max(g.K, g.C), 0, s) &&
                    mulAdd((size_t)g.fh * g.fw, (size_t)g.C * g.K, 0, s);
  if (!fine) a.failRange(op);
  return fine;
}

enum class Which { Forward, Input, Filter };

/** The three convolution kernels: (in0, in1, out, geometry, float32Sums, threads). */
template <Which which> napi_value convolution(napi_env env, napi_callback_info info) {
  static constexpr const char* op = which == Which::Forward ? "conv2d" : which == Which::Input ? "conv2dBackpropInput" : "conv2dBackpropFilter";
  Args a(env, info);
  ArrayArg in0 = a.array(0), in1 = a.array(1), out = a.array(2);
  Geometry g;
  if (!a.ok || !readGeometry(a, 3, op, g)) return nullptr;
  const bool f32Sums = a.flag(4);
  const int threads = std::max(1, (int)a.integer(5));
  if (!a.ok || !sameFloatType(a, op, {&in0, &in1, &out}) || !sizesFit(a, op, g)) return nullptr;
  const size_t xs = g.xSize(), ys = g.ySize(g.K), fs = g.fSize();
  const bool fine = which == Which::Forward  ? lengthsMatch(a, op, {{&in0, xs}, {&in1, fs}, {&out, ys}})
                    : which == Which::Input ? lengthsMatch(a, op, {{&in0, ys}, {&in1, fs}, {&out, xs}})
                                            : lengthsMatch(a, op, {{&in0, xs}, {&in1, ys}, {&out, fs}});
  if (!fine) return nullptr;
  auto run = [&](auto sum, auto data) {
    using T = decltype(sum);
    using In = decltype(data);
    const In* p0 = (const In*)in0.data;
    const In* p1 = (const In*)in1.data;
    In* o = (In*)out.data;
    // The operand that meets padding zeros: the filter (conv2d's padding taps, the gradient's positions no output
    // reads, and the zeros of x that the sparse path skips), or dy (the filter gradient's padding taps, if any).
    const bool finite = which == Which::Filter ? !readsPadding(g) || allFinite(p1, ys) : allFinite(p1, fs);
    if (!finite) return directConvolution<T>((int)which, p0, p1, o, g);
    if constexpr (which == Which::Forward) return conv2dForward<T>(p0, p1, o, g, threads);
    else if constexpr (which == Which::Input) return conv2dBackInput<T>(p0, p1, o, g, threads);
    else return conv2dBackFilter<T>(p0, p1, o, g, threads);
  };
  bool done;
  if (out.type == napi_float64_array) done = run(double(), double());
  else if (f32Sums) done = run(float(), float());
  else done = run(double(), float());
  if (!done) napi_throw_error(env, nullptr, "logitkit native convolution: out of memory for its scratch buffers");
  return nullptr;
}

// maxPool(x, out, argMax | null, geometry, threads)
napi_value maxPoolEntry(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), out = a.array(1), argMax = a.array(2, true);
  Geometry g;
  if (!a.ok || !readGeometry(a, 3, "maxPool", g)) return nullptr;
  const int threads = std::max(1, (int)a.integer(4));
  if (!a.ok || !sameFloatType(a, "maxPool", {&x, &out}) || !sizesFit(a, "maxPool", g)) return nullptr;
  if (!lengthsMatch(a, "maxPool", {{&x, g.xSize()}, {&out, g.ySize(g.C)}})) return nullptr;
  if (argMax.present && (argMax.type != napi_int32_array || argMax.length != out.length || g.xSize() > (size_t)INT32_MAX)) {
    a.failRange("logitkit native maxPool: argMax must be an Int32Array as long as out, for an input of at most 2^31 − 1 elements");
    return nullptr;
  }
  int32_t* at = argMax.present ? (int32_t*)argMax.data : nullptr;
  if (x.type == napi_float64_array) {
    if (at) maxPool<double, true>((const double*)x.data, (double*)out.data, at, g, threads);
    else maxPool<double, false>((const double*)x.data, (double*)out.data, nullptr, g, threads);
  } else {
    if (at) maxPool<float, true>((const float*)x.data, (float*)out.data, at, g, threads);
    else maxPool<float, false>((const float*)x.data, (float*)out.data, nullptr, g, threads);
  }
  return nullptr;
}

// maxPoolBackprop(dy, argMax, dx, geometry)
napi_value maxPoolBackpropEntry(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg dy = a.array(0), argMax = a.array(1), dx = a.array(2);
  Geometry g;
  if (!a.ok || !readGeometry(a, 3, "maxPoolBackprop", g)) return nullptr;
  if (!sameFloatType(a, "maxPoolBackprop", {&dy, &dx}) || !sizesFit(a, "maxPoolBackprop", g)) return nullptr;
  if (!lengthsMatch(a, "maxPoolBackprop", {{&dx, g.xSize()}, {&dy, g.ySize(g.C)}, {&argMax, g.ySize(g.C)}})) return nullptr;
  if (argMax.type != napi_int32_array) {
    a.fail("logitkit native maxPoolBackprop: argMax must be an Int32Array");
    return nullptr;
  }
  bool done;
  if (dx.type == napi_float64_array) {
    done = maxPoolBackprop((const double*)dy.data, (const int32_t*)argMax.data, (double*)dx.data, dx.length, dy.length, g);
  } else {
    done = maxPoolBackprop((const float*)dy.data, (const int32_t*)argMax.data, (float*)dx.data, dx.length, dy.length, g);
  }
  if (!done) napi_throw_error(env, nullptr, "logitkit native maxPoolBackprop: out of memory for its scratch buffer");
  return nullptr;
}

// avgPool(x, out, geometry, threads)
napi_value avgPoolEntry(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), out = a.array(1);
  Geometry g;
  if (!a.ok || !readGeometry(a, 2, "avgPool", g)) return nullptr;
  const int threads = std::max(1, (int)a.integer(3));
  if (!a.ok || !sameFloatType(a, "avgPool", {&x, &out}) || !sizesFit(a, "avgPool", g)) return nullptr;
  if (!lengthsMatch(a, "avgPool", {{&x, g.xSize()}, {&out, g.ySize(g.C)}})) return nullptr;
  const bool done = x.type == napi_float64_array ? avgPool((const double*)x.data, (double*)out.data, g, threads)
                                                  : avgPool((const float*)x.data, (float*)out.data, g, threads);
  if (!done) napi_throw_error(env, nullptr, "logitkit native avgPool: out of memory for its scratch buffer");
  return nullptr;
}

// avgPoolBackprop(dy, dx, geometry, threads)
napi_value avgPoolBackpropEntry(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg dy = a.array(0), dx = a.array(1);
  Geometry g;
  if (!a.ok || !readGeometry(a, 2, "avgPoolBackprop", g)) return nullptr;
  const int threads = std::max(1, (int)a.integer(3));
  if (!a.ok || !sameFloatType(a, "avgPoolBackprop", {&dy, &dx}) || !sizesFit(a, "avgPoolBackprop", g)) return nullptr;
  if (!lengthsMatch(a, "avgPoolBackprop", {{&dx, g.xSize()}, {&dy, g.ySize(g.C)}})) return nullptr;
  const bool done = dx.type == napi_float64_array ? avgPoolBackprop((const double*)dy.data, (double*)dx.data, dx.length, g, threads)
                                                   : avgPoolBackprop((const float*)dy.data, (float*)dx.data, dx.length, g, threads);
  if (!done) napi_throw_error(env, nullptr, "logitkit native avgPoolBackprop: out of memory for its scratch buffer");
  return nullptr;
}

}  // namespace

void registerConv(napi_env env, napi_value exports) {
  exportFunction(env, exports, "conv2d", convolution<Which::Forward>);
  exportFunction(env, exports, "conv2dBackpropInput", convolution<Which::Input>);
  exportFunction(env, exports, "conv2dBackpropFilter", convolution<Which::Filter>);
  exportFunction(env, exports, "maxPool", maxPoolEntry);
  exportFunction(env, exports, "maxPoolBackprop", maxPoolBackpropEntry);
  exportFunction(env, exports, "avgPool", avgPoolEntry);
  exportFunction(env, exports, "avgPoolBackprop", avgPoolBackpropEntry);
}
