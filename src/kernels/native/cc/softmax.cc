// The softmax family on contiguous rows (the class axis last), float32 and float64, read and written in place.
// The rules are the TypeScript reference's (src/kernels/ts/softmax.ts) and the algorithms the WebAssembly
// kernels' (src/kernels/wasm/assembly/softmax-f*.ts), at the target's vector width:
//  - m = the row max, im its first occurrence; s = Σ_{i≠im} e^(x_i − m); logSumExp = m + log1p(s), so tiny
//    losses keep their digits. A row holding NaN, whose max is +∞, or all −∞ gives NaN.
//  - float32 data is computed in float64 lanes: x_i − m is exact or within 1e-16, the exp (exp.h, 6.5e-12) and the
//    sums are good to ~1e-11, so float32 results round once from nearly the float64 value. Exp arguments are
//    clamped at −200: e^−200 rounds to 0 in every float32 output.
//  - float64 data keeps the rounding error lo_i of d_i = x_i − m (TwoSum), e_i = exp(d_i)·(1 + lo_i), and sums
//    with compensation; d_i ≤ −746 (and −∞ masks) give e_i = 0, lo_i = 0.
//  - cross-entropy: loss = Σ y_i (m − x_i) + (Σ y)·log1p(s), the gradient g·((Σ y)·softmax − y) with the gradient
//    at the max (Σ_{i≠im} y_i − y_m·s)/(1 + s)·g, so it keeps its digits when the loss is tiny; g (gradScale, an
//    upstream gradient such as 1/N) is folded into the write, rounded once.
// Rows are independent and each is computed the same way on any thread, so any thread count gives the same bits.
#include "aligned-buffer.h"
#include "exp.h"
#include "napi-args.h"
#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <type_traits>
#include <utility>

namespace {

constexpr double NaN = std::numeric_limits<double>::quiet_NaN();
constexpr double INF = std::numeric_limits<double>::infinity();

// W float32 (loaded into one float64 vector) and W float64, at any alignment.
typedef float VF __attribute__((vector_size(VECTOR_BYTES / 2), aligned(4)));
typedef double VDu __attribute__((vector_size(VECTOR_BYTES), aligned(8)));

inline VD splat(double v) { return VD{} + v; }
inline VD load(const float* p) {
#if defined(__AVX512F__)
  // GCC 12 splits the generic conversion in three instructions; maskz_ (all lanes) spares its headers' warning.
  return (VD)_mm512_maskz_cvtps_pd(0xff, _mm256_loadu_ps(p));
#else
  return __builtin_convertvector(*(const VF*)p, VD);
#endif
}
inline VD load(const double* p) { return *(const VDu*)p; }
inline void store(float* p, VD v) { *(VF*)p = __builtin_convertvector(v, VF); }
inline void store(double* p, VD v) { *(VDu*)p = v; }

/** The first `count` elements at p (all W when count = W), the other lanes `pad`. */
template <typename T> inline VD load(const T* p, int count, double pad) {
  if (count == W) return load(p);
#if defined(__AVX512F__) && defined(__AVX512VL__)
  // Masked loads: going through a stack copy stalls on store forwarding, which dominated short rows (n = 10).
  const __mmask8 k = (__mmask8)((1u << count) - 1);
  if constexpr (std::is_same_v<T, float>) return (VD)_mm512_mask_cvtps_pd(_mm512_set1_pd(pad), k, _mm256_maskz_loadu_ps(k, p));
  else return (VD)_mm512_mask_loadu_pd(_mm512_set1_pd(pad), k, p);
#endif
  alignas(64) T part[W];
  for (int l = 0; l < W; l++) part[l] = l < count ? p[l] : (T)pad;
  return load(part);
}

/** Stores the first `count` lanes of v at p, rounded to T. */
template <typename T> inline void store(T* p, VD v, int count) {
  if (count == W) return store(p, v);
#if defined(__AVX512F__) && defined(__AVX512VL__)
  const __mmask8 k = (__mmask8)((1u << count) - 1);
  if constexpr (std::is_same_v<T, float>) return _mm256_mask_storeu_ps(p, k, _mm512_cvtpd_ps((__m512d)v));
  else return _mm512_mask_storeu_pd(p, k, (__m512d)v);
#endif
  alignas(64) T part[W];
  store(part, v);
  std::copy(part, part + count, p);
}

/** True when the 2W float32 at p are all +0. */
inline bool zeros(const float* p) {
#if defined(__AVX512F__)
  const __m512i v = _mm512_loadu_si512(p);
  return _mm512_test_epi32_mask(v, v) == 0;
#elif defined(__AVX2__)
  const __m256i v = _mm256_loadu_si256((const __m256i*)p);
  return _mm256_testz_si256(v, v);
#else
  uint32_t any = 0;
  for (int l = 0; l < 2 * W; l++) any |= __builtin_bit_cast(uint32_t, p[l]);
  return any == 0;
#endif
}

inline VL laneIndex() {
  VL l;
  for (int i = 0; i < W; i++) l[i] = i;
  return l;
}

/** v with lanes from `count` on, and lane `skip` (none when −1), set to 0. */
inline VD keep(VD v, int count, int skip) {
  const VL l = laneIndex();
  return (VD)((VL)v & (VL)((l < (uint64_t)count) & (l != (uint64_t)skip)));
}

/** max(v, floor) per lane, for v not NaN: one instruction (the generic form is a compare and a blend). */
inline VD maxWith(VD v, double floor) {
#if defined(__AVX512F__)
  return (VD)_mm512_maskz_max_pd(0xff, (__m512d)v, (__m512d)splat(floor));
#elif defined(__AVX__)
  return (VD)_mm256_max_pd((__m256d)v, (__m256d)splat(floor));
#else
  return (VD)_mm_max_pd((__m128d)v, (__m128d)splat(floor));
#endif
}

/** a + b = sum + err exactly (Knuth's TwoSum); returns the sum and adds the error to err. */
inline double twoSum(double a, double b, double& err) {
  const double s = a + b, z = s - a;
  err += (a - (s - z)) + (b - z);
  return s;
}

/**
 * (a − b·s)/(1 + s) rounded once (the soft-label cross-entropy's gradient at the row max): numerator and
 * denominator as double-doubles (std::fma gives the exact product errors) and one correction of the quotient.
 */
inline double differenceOverOnePlus(double a, double b, double s) {
  const double p = b * s, pe = std::fma(b, s, -p);
  const double nh = a - p, bb = nh - a, nl = (a - (nh - bb)) + (-p - bb) - pe;
  const double th = 1 + s, tb = th - 1, tl = (1 - (th - tb)) + (s - tb);
  const double q = nh / th, qt = q * th;
  const double r = q + ((nh - qt) - std::fma(q, th, -qt) + nl - q * tl) / th;
  return std::isfinite(r) ? r : (a - b * s) / (1 + s);
}

/** A compensated sum: value + err. */
struct Sum {
  double value, err;
};

/** The lanes of sum and comp (a compensated vector sum) added into one, compensated. */
inline Sum reduceParts(VD sum, VD comp) {
  double s = sum[0], err = comp[0];
  for (int l = 1; l < W; l++) {
    s = twoSum(s, sum[l], err);
    err += comp[l];
  }
  return {s, err};
}

inline double reduce(VD sum, VD comp) {
  const Sum p = reduceParts(sum, comp);
  return p.value + p.err;
}

/** loss = Σ terms + Y·L, the compensation added last unless the sum is infinite (a −∞ logit under a label). */
inline double crossEntropyLoss(Sum terms, double yl) {
  return std::isfinite(terms.value) ? terms.value + yl + terms.err : terms.value + yl;
}

/**
 * Cache hints issued during the exp pass, a row's longest stretch of arithmetic, for chunk i of a row of n: the next
 * row of x (whose max search then reads cache instead of memory: 15 % off a float32 softmax), and this row's labels
 * and output when given. Prefetches are hints: they never fault, past the end of an array either.
 */
template <typename T> inline void fetchAhead(const T* x, int n, int i, const T* y, T* out) {
  __builtin_prefetch(x + n + i);
  if (y) __builtin_prefetch(y + i);
  if (out) __builtin_prefetch(out + i, 1);
}

/**
 * Walks a row of n elements W at a time: body(i, count, skipLane) for the chunk at i with `count` elements
 * (fewer than W only at the end), skipLane = the lane of index `skip` when it falls in this chunk, else −1.
 */
template <typename F> inline void chunks(int n, int skip, F body) {
  const int g = skip < 0 ? n : skip - skip % W;
  int i = 0;
  for (; i + W <= g; i += W) body(i, W, -1);
  if (skip >= 0) {
    body(g, std::min(W, n - g), skip - g);
    i = g + W;
  }
  for (; i + W <= n; i += W) body(i, W, -1);
  if (i < n) body(i, n - i, -1);
}

// ---------------------------------------------------------------------------------------------------------
// The row max

struct RowMax {
  double value;
  int index;  // first occurrence (when asked for)
  bool ok;    // false: the row's results are NaN (a NaN, a +∞ max, all −∞, or empty)
};

template <typename T, bool INDEX> RowMax rowMax(const T* x, int n) {
  constexpr int L = Vec<T>::lanes;
  typedef T V __attribute__((vector_size(VECTOR_BYTES), aligned(sizeof(T))));
  typedef std::conditional_t<sizeof(T) == 4, int32_t, int64_t> I;
  typedef I VI __attribute__((vector_size(VECTOR_BYTES)));
  // Each lane keeps its max and where it first saw it (strict >), so the row's first occurrence is the lowest
  // index among the lanes that hold the row's max. Two sets of lanes: one would wait on a compare every step.
  V m0 = V{} - (T)INF, m1 = m0;
  VI at0 = VI{}, at1 = VI{}, idx, nan = VI{};
  for (int l = 0; l < L; l++) idx[l] = l;
  int i = 0;
  for (; i + 2 * L <= n; i += 2 * L) {
    const V a = *(const V*)(x + i), b = *(const V*)(x + i + L);
    const VI ga = a > m0, gb = b > m1;
    m0 = ga ? a : m0;
    m1 = gb ? b : m1;
    if (INDEX) {
      at0 = ga ? idx : at0;
      at1 = gb ? idx + L : at1;
      idx += 2 * L;
    }
    nan |= (a != a) | (b != b);
  }
  T max = -(T)INF;
  int index = 0;
  for (int l = 0; l < L; l++) {
    if (nan[l]) return {NaN, -1, false};
    if (m0[l] > max || (m0[l] == max && at0[l] < index)) max = m0[l], index = (int)at0[l];
    if (m1[l] > max || (m1[l] == max && at1[l] < index)) max = m1[l], index = (int)at1[l];
  }
  for (; i < n; i++) {
    const T v = x[i];
    if (v != v) return {NaN, -1, false};
    if (v > max) max = v, index = i;
  }
  if (max == (T)INF || max == -(T)INF) return {NaN, -1, false};
  return {(double)max, index, true};
}

/** For a loss row whose max is unusable: NaN loss and gradient, and true (the caller is done). */
template <typename T> inline bool nanRow(const RowMax& r, T* loss, T* dx, int n) {
  if (r.ok) return false;
  *loss = NaN;
  if (dx) std::fill(dx, dx + n, (T)NaN);
  return true;
}


// ---------------------------------------------------------------------------------------------------------
// float32 rows

/**
 * Σ e^(x_i − m) over the row but index skip (none when −1); each e_i stored at e when STORE (e_im = 1). y and out:
 * this row's labels and output, fetched into cache meanwhile (fetchAhead).
 */
template <bool STORE>
double expSum(const float* x, int n, double m, int skip, double* e, const float* y = nullptr, float* out = nullptr) {
  VD s = VD{};
  chunks(n, skip, [&](int i, int count, int skipLane) {
    fetchAhead(x, n, i, y, out);
    const VD ei = expFast(maxWith(load(x + i, count, m) - m, -200));
    if (STORE) store(e + i, ei, count);
    s += count < W || skipLane >= 0 ? keep(ei, count, skipLane) : ei;
  });
  return reduce(s, VD{});
}

void softmaxRow(const float* x, float* out, int n, double* e) {
  const RowMax r = rowMax<float, false>(x, n);
  if (!r.ok) return std::fill(out, out + n, NaN);
  // The sum over the whole row (the max's e is exactly 1): the max's index is not needed.
  const double c = 1 / expSum<true>(x, n, r.value, -1, e, nullptr, out);
  chunks(n, -1, [&](int i, int count, int) { store(out + i, load(e + i, count, 0) * c, count); });
}

void logSoftmaxRow(const float* x, float* out, int n, double*) {
  const RowMax r = rowMax<float, true>(x, n);
  if (!r.ok) return std::fill(out, out + n, NaN);
  const double m = r.value, L = std::log1p(expSum<false>(x, n, m, r.index, nullptr, nullptr, out));
  chunks(n, -1, [&](int i, int count, int) { store(out + i, (load(x + i, count, m) - m) - L, count); });
}

/**
 * Σ y_i (m − x_i) (zero labels add nothing, even against −∞) as sum + err, and when GRAD dx = g·(e_i·c − y_i).
 * With non-negative labels every term is ≥ 0 and a plain float64 sum is within n·2^-53, far below float32's
 * rounding; COMPENSATED adds TwoSum error terms for rows with negative labels.
 */
template <bool COMPENSATED, bool GRAD>
Sum lossTerms(const float* x, const float* y, int n, double m, const double* e, double c, double g, float* dx) {
  VD acc = VD{}, comp = VD{};
  auto step = [&](int i, int count) {
    const VD yv = load(y + i, count, 0);
    const VD term = yv != 0 ? yv * (m - load(x + i, count, m)) : VD{};
    const VD t = acc + term;
    if (COMPENSATED) {
      const VD z = t - acc;
      comp += (acc - (t - z)) + (term - z);
    }
    acc = t;
    if (GRAD) store(dx + i, (load(e + i, count, 0) * c - yv) * g, count);
  };
  int i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    if (zeros(y + i)) {
      // Zero labels (most of a one-hot row) add no loss term and leave dx = g·(e·c): the same bits in fewer steps.
      if (GRAD) {
        store(dx + i, load(e + i) * c * g);
        store(dx + i + W, load(e + i + W) * c * g);
      }
      continue;
    }
    step(i, W);
    step(i + W, W);
  }
  for (; i < n; i += W) step(i, std::min(W, n - i));
  return reduceParts(acc, comp);
}

void crossEntropyRow(const float* x, const float* y, int n, float* loss, float* dx, double g, double* e) {
  const RowMax r = rowMax<float, true>(x, n);
  if (nanRow(r, loss, dx, n)) return;
  const double m = r.value;
  const int im = r.index;
  const double s = dx ? expSum<true>(x, n, m, im, e, y, dx) : expSum<false>(x, n, m, im, e, y);
  // Σ_{i≠im} y_i (the gradient needs it before the pass that writes dx), and whether any label is negative (its
  // sign bit; −0 counts too, harmlessly).
  VD ys = VD{};
  VL signs = VL{};
  auto add = [&](int i, int count) {
    const VD yv = load(y + i, count, 0);
    ys += count < W || (unsigned)(im - i) < (unsigned)W ? keep(yv, count, im - i) : yv;
    signs |= (VL)yv;
  };
  int i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    if (zeros(y + i)) continue;  // zero labels, most of a one-hot row
    add(i, W);
    add(i + W, W);
  }
  for (; i < n; i += W) add(i, std::min(W, n - i));
  bool negative = false;
  for (int l = 0; l < W; l++) negative = negative || signs[l] >> 63;
  const double yOthers = reduce(ys, VD{}), yMax = y[im], Y = yOthers + yMax, T = 1 + s, c = Y / T;
  const Sum terms = negative ? (dx ? lossTerms<true, true>(x, y, n, m, e, c, g, dx) : lossTerms<true, false>(x, y, n, m, e, c, g, dx))
                              : (dx ? lossTerms<false, true>(x, y, n, m, e, c, g, dx) : lossTerms<false, false>(x, y, n, m, e, c, g, dx));
  // Y/T − y_m = (Σ_{i≠im} y_i − y_m·s)/T: no cancellation when the loss is tiny; rounded once.
  if (dx) dx[im] = (float)(differenceOverOnePlus(yOthers, yMax, s) * g);
  *loss = (float)crossEntropyLoss(terms, Y * std::log1p(s));
}

void sparseRow(const float* x, int k, int n, float* loss, float* dx, double g, double* e) {
  const RowMax r = rowMax<float, true>(x, n);
  if (nanRow(r, loss, dx, n)) return;
  const double m = r.value;
  const int im = r.index;
  const double s = dx ? expSum<true>(x, n, m, im, e, nullptr, dx) : expSum<false>(x, n, m, im, e), L = std::log1p(s);
  *loss = (float)(k == im ? L : m - (double)x[k] + L);
  if (!dx) return;
  const double T = 1 + s, c = g / T;
  chunks(n, -1, [&](int i, int count, int) { store(dx + i, load(e + i, count, 0) * c, count); });
  // p_k − 1 = −(T − e_k)/T: −s/T at the max, −(1 + (s − e_k))/T elsewhere (no cancellation).
  dx[k] = (float)((k == im ? -s / T : -(1 + (s - e[k])) / T) * g);
}

// ---------------------------------------------------------------------------------------------------------
// float64 rows

/** d = v − m with its rounding error lo (TwoSum), lo = 0 where e^d is dead (d ≤ −746, −∞ masks). */
inline VD diffError(VD v, VD d, double m) {
  const VD bb = d - v;
  const VD lo = (v - (d - bb)) + (-m - bb);
  return d > -746.0 ? lo : VD{};
}

/**
 * s = Σ_{i≠skip} e_i, compensated, e_i = exp(d_i)·(1 + lo_i) (0 where dead); each e_i stored when STORE. y and out:
 * this row's labels and output, fetched into cache meanwhile (fetchAhead).
 */
template <bool STORE>
double expSum(const double* x, int n, double m, int skip, double* e, const double* y = nullptr, double* out = nullptr) {
  VD s = VD{}, c = VD{};
  chunks(n, skip, [&](int i, int count, int skipLane) {
    fetchAhead(x, n, i, y, out);
    const VD v = load(x + i, count, m), d = v - m;
    const VD ex = expExact(maxWith(d, -746));
    VD ei = d > -746.0 ? ex + ex * diffError(v, d, m) : VD{};
    if (STORE) store(e + i, ei, count);
    if (count < W || skipLane >= 0) ei = keep(ei, count, skipLane);
    const VD t = s + ei, z = t - s;
    c += (s - (t - z)) + (ei - z);
    s = t;
  });
  return reduce(s, c);
}

void softmaxRow(const double* x, double* out, int n, double* e) {
  const RowMax r = rowMax<double, true>(x, n);
  if (!r.ok) return std::fill(out, out + n, NaN);
  const double T = 1 + expSum<true>(x, n, r.value, r.index, e, nullptr, out);
  chunks(n, -1, [&](int i, int count, int) { store(out + i, load(e + i, count, 0) / T, count); });
}

void logSoftmaxRow(const double* x, double* out, int n, double*) {
  const RowMax r = rowMax<double, true>(x, n);
  if (!r.ok) return std::fill(out, out + n, NaN);
  const double m = r.value, L = std::log1p(expSum<false>(x, n, m, r.index, nullptr, nullptr, out));
  // x − m − L + lo, in the reference's order.
  chunks(n, -1, [&](int i, int count, int) {
    const VD v = load(x + i, count, m), d = v - m;
    store(out + i, (d - L) + diffError(v, d, m), count);
  });
  out[r.index] = -L;
}

/** Loss terms y_i·(m − x_i) as the exact difference −(d_i + lo_i), compensated; dx = g·(Y·e_i/T − y_i) when GRAD. */
template <bool GRAD>
Sum lossTerms(const double* x, const double* y, int n, double m, const double* e, double Y, double T, double g, double* dx) {
  VD acc = VD{}, comp = VD{};
  // The max element contributes y·0: adding it changes nothing, so no branch skips it.
  chunks(n, -1, [&](int i, int count, int) {
    const VD yv = load(y + i, count, 0), v = load(x + i, count, m), d = v - m;
    const VD raw = yv * -(d + diffError(v, d, m));
    // m − x_i can overflow (1.7e308 − (−1.7e308)) while y·(m − x_i) is finite for a label below 1.
    const VD safe = (raw == INF) & (yv < 1.0) ? yv * m - yv * v : raw;
    const VD term = yv != 0 ? safe : VD{};
    const VD t = acc + term, z = t - acc;
    comp += (acc - (t - z)) + (term - z);
    acc = t;
    if (GRAD) store(dx + i, ((Y * load(e + i, count, 0)) / T - yv) * g, count);
  });
  return reduceParts(acc, comp);
}

void crossEntropyRow(const double* x, const double* y, int n, double* loss, double* dx, double g, double* e) {
  const RowMax r = rowMax<double, true>(x, n);
  if (nanRow(r, loss, dx, n)) return;
  const double m = r.value;
  const int im = r.index;
  const double s = dx ? expSum<true>(x, n, m, im, e, y, dx) : expSum<false>(x, n, m, im, e, y);
  // yOthers = Σ_{i≠im} y_i, compensated: the gradient at the max is (yOthers − y_m·s)/(1 + s), which keeps its
  // digits when the loss is tiny.
  VD ys = VD{}, yc = VD{};
  chunks(n, im, [&](int i, int count, int skipLane) {
    VD yv = load(y + i, count, 0);
    if (count < W || skipLane >= 0) yv = keep(yv, count, skipLane);
    const VD t = ys + yv, z = t - ys;
    yc += (ys - (t - z)) + (yv - z);
    ys = t;
  });
  const double yOthers = reduce(ys, yc), yMax = y[im], Y = yOthers + yMax, T = 1 + s;
  const Sum terms = dx ? lossTerms<true>(x, y, n, m, e, Y, T, g, dx) : lossTerms<false>(x, y, n, m, e, Y, T, g, dx);
  if (dx) dx[im] = differenceOverOnePlus(yOthers, yMax, s) * g;
  *loss = crossEntropyLoss(terms, Y * std::log1p(s));
}

void sparseRow(const double* x, int k, int n, double* loss, double* dx, double g, double* e) {
  const RowMax r = rowMax<double, true>(x, n);
  if (nanRow(r, loss, dx, n)) return;
  const double m = r.value;
  const int im = r.index;
  const double s = dx ? expSum<true>(x, n, m, im, e, nullptr, dx) : expSum<false>(x, n, m, im, e), L = std::log1p(s);
  const double v = x[k], d = v - m;
  const double lo = d > -746 ? diffError(splat(v), splat(d), m)[0] : 0;
  *loss = k == im ? L : -(d + lo) + L;
  if (!dx) return;
  const double T = 1 + s;
  chunks(n, -1, [&](int i, int count, int) { store(dx + i, (load(e + i, count, 0) / T) * g, count); });
  dx[k] = (k == im ? -s / T : -(1 + (s - e[k])) / T) * g;
}

// ---------------------------------------------------------------------------------------------------------
// Calls from JavaScript

/** This thread's float64 scratch of n elements (a row's exponentials), or null when memory runs out. */
double* rowScratch(int n) {
  thread_local AlignedBuffer<double> buffer;
  return buffer.get(std::max(n, 1));
}

/** row(r, e) for every row, split over `threads` OpenMP threads; false when scratch memory ran out. */
template <typename F> bool forRows(int rows, int n, int threads, F row) {
  bool ok = true;
  if (threads <= 1 || rows < 2) {
    double* e = rowScratch(n);
    if (!e) return false;
    for (int r = 0; r < rows; r++) row(r, e);
    return true;
  }
#pragma omp parallel num_threads(std::min(threads, rows))
  {
    double* e = rowScratch(n);
    if (!e) {
#pragma omp atomic write
      ok = false;
    }
#pragma omp for schedule(static)
    for (int r = 0; r < rows; r++) {
      if (e) row(r, e);
    }
  }
  return ok;
}

bool isFloat(const ArrayArg& a) { return a.type == napi_float32_array || a.type == napi_float64_array; }

/** The common checks: all arrays given share one float type, each holds at least its size. */
bool check(Args& x, const char* name, std::initializer_list<std::pair<const ArrayArg*, size_t>> arrays) {
  if (!x.ok) return false;
  const napi_typedarray_type type = arrays.begin()->first->type;
  for (auto [a, size] : arrays) {
    if (!a->present) continue;
    if (!isFloat(*a) || a->type != type) {
      x.fail(name);
      return false;
    }
    if (a->length < size) {
      x.failRange("logitkit native softmax family: an array is shorter than its shape");
      return false;
    }
  }
  return true;
}

void outOfMemory(napi_env env) {
  napi_throw_error(env, nullptr, "logitkit native softmax family: out of memory for a row's scratch");
}

// softmax(x, out, rows, n, threads) and logSoftmax(x, out, rows, n, threads)
template <bool LOG> napi_value rowwise(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), out = a.array(1);
  const int rows = (int)a.size(2), n = (int)a.size(3), threads = (int)a.integer(4);
  const size_t size = (size_t)std::max(rows, 0) * std::max(n, 0);
  if (!check(a, "logitkit native softmax: x and out must both be Float32Array or both Float64Array", {{&x, size}, {&out, size}})) return nullptr;
  bool done;
  if (x.type == napi_float32_array) {
    const float* xs = (const float*)x.data;
    float* os = (float*)out.data;
    done = forRows(rows, n, threads, [&](int r, double* e) {
      if constexpr (LOG) logSoftmaxRow(xs + (size_t)r * n, os + (size_t)r * n, n, e);
      else softmaxRow(xs + (size_t)r * n, os + (size_t)r * n, n, e);
    });
  } else {
    const double* xs = (const double*)x.data;
    double* os = (double*)out.data;
    done = forRows(rows, n, threads, [&](int r, double* e) {
      if constexpr (LOG) logSoftmaxRow(xs + (size_t)r * n, os + (size_t)r * n, n, e);
      else softmaxRow(xs + (size_t)r * n, os + (size_t)r * n, n, e);
    });
  }
  if (!done) outOfMemory(env);
  return nullptr;
}

template <typename T>
bool crossEntropy(const ArrayArg& x, const ArrayArg& y, const ArrayArg& loss, const ArrayArg& dx, int rows, int n, double g, int threads) {
  const T *xs = (const T*)x.data, *ys = (const T*)y.data;
  T *ls = (T*)loss.data, *ds = dx.present ? (T*)dx.data : nullptr;
  return forRows(rows, n, threads, [&](int r, double* e) {
    const size_t o = (size_t)r * n;
    crossEntropyRow(xs + o, ys + o, n, ls + r, ds ? ds + o : nullptr, g, e);
  });
}

// softmaxCrossEntropy(logits, labels, loss, dLogits | null, rows, n, gradScale, threads)
napi_value softmaxCrossEntropy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), y = a.array(1), loss = a.array(2), dx = a.array(3, true);
  const int rows = (int)a.size(4), n = (int)a.size(5);
  const double g = a.number(6);
  const int threads = (int)a.integer(7);
  const size_t size = (size_t)std::max(rows, 0) * std::max(n, 0);
  if (!check(a, "logitkit native softmaxCrossEntropy: logits, labels, loss and dLogits must all be Float32Array or all Float64Array",
             {{&x, size}, {&y, size}, {&loss, (size_t)std::max(rows, 0)}, {&dx, size}})) return nullptr;
  const bool done = x.type == napi_float32_array ? crossEntropy<float>(x, y, loss, dx, rows, n, g, threads)
                                                 : crossEntropy<double>(x, y, loss, dx, rows, n, g, threads);
  if (!done) outOfMemory(env);
  return nullptr;
}

template <typename T>
bool sparseCrossEntropy(const ArrayArg& x, const int32_t* ids, const ArrayArg& loss, const ArrayArg& dx, int rows, int n, double g, int threads) {
  const T* xs = (const T*)x.data;
  T *ls = (T*)loss.data, *ds = dx.present ? (T*)dx.data : nullptr;
  return forRows(rows, n, threads, [&](int r, double* e) {
    const size_t o = (size_t)r * n;
    const int32_t k = ids[r];  // read once: checked and used as the same value
    if (k < 0 || k >= n) {
      ls[r] = NaN;
      if (ds) std::fill(ds + o, ds + o + n, (T)NaN);
      return;
    }
    sparseRow(xs + o, k, n, ls + r, ds ? ds + o : nullptr, g, e);
  });
}

// sparseSoftmaxCrossEntropy(logits, ids, loss, dLogits | null, rows, n, gradScale, threads)
napi_value sparseSoftmaxCrossEntropy(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), ids = a.array(1), loss = a.array(2), dx = a.array(3, true);
  const int rows = (int)a.size(4), n = (int)a.size(5);
  const double g = a.number(6);
  const int threads = (int)a.integer(7);
  const size_t size = (size_t)std::max(rows, 0) * std::max(n, 0);
  if (!check(a, "logitkit native sparseSoftmaxCrossEntropy: logits, loss and dLogits must all be Float32Array or all Float64Array",
             {{&x, size}, {&loss, (size_t)std::max(rows, 0)}, {&dx, size}})) return nullptr;
  if (ids.type != napi_int32_array || ids.length < (size_t)std::max(rows, 0)) {
    a.fail("logitkit native sparseSoftmaxCrossEntropy: ids must be an Int32Array of one class id per row");
    return nullptr;
  }
  // The op validated the ids; a wrong one here would write outside dLogits, so check (it costs nothing).
  const int32_t* is = (const int32_t*)ids.data;
  for (int r = 0; r < rows; r++) {
    if (is[r] < 0 || is[r] >= n) {
      napi_throw_range_error(env, nullptr, "logitkit native sparseSoftmaxCrossEntropy: a class id is outside [0, n)");
      return nullptr;
    }
  }
  const bool done = x.type == napi_float32_array ? sparseCrossEntropy<float>(x, is, loss, dx, rows, n, g, threads)
                                                 : sparseCrossEntropy<double>(x, is, loss, dx, rows, n, g, threads);
  if (!done) outOfMemory(env);
  return nullptr;
}

}  // namespace

void registerSoftmax(napi_env env, napi_value exports) {
  exportFunction(env, exports, "softmax", rowwise<false>);
  exportFunction(env, exports, "logSoftmax", rowwise<true>);
  exportFunction(env, exports, "softmaxCrossEntropy", softmaxCrossEntropy);
  exportFunction(env, exports, "sparseSoftmaxCrossEntropy", sparseSoftmaxCrossEntropy);
}
