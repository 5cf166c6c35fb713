// The element-wise work of a training step in native code, in place on the typed arrays:
//  - add, sub, mul of float32 or float64 with b the output's shape, a scalar, a row repeated over the rows (a bias),
//    or one value per row; `swap` computes b op a. One IEEE operation per element, like the reference (for float32,
//    a float32 operation equals the float64 one rounded to float32: 53 ≥ 2·24 + 2).
//  - relu and its step, NaN kept: x > 0 ? x (or 1) : NaN ? NaN : 0; relu of a biased sum, and dy · step(y).
//  - sums along an axis, Neumaier-compensated in float64 and rounded once, like the reference.
#include "napi-args.h"
#include "vec.h"
#include <cmath>
#include <cstring>
#include <vector>

namespace {

enum Op { ADD = 0, SUB = 1, MUL = 2 };
enum Broadcast { SAME = 0, SCALAR = 1, ROW = 2, PER_ROW = 3 };

template <typename T> inline T apply(int op, T x, T y) {
  return op == ADD ? x + y : op == SUB ? x - y : x * y;
}

/** out[i] = a[i] op y[i] over n elements (y advancing) or against one value y[0] (yStep = 0). */
template <typename T, int OP, bool SWAP>
inline void line(const T* __restrict a, const T* __restrict y, T* out, size_t n, bool yStep) {
  if (yStep) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = SWAP ? apply<T>(OP, y[i], a[i]) : apply<T>(OP, a[i], y[i]);
  } else {
    const T v = y[0];
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = SWAP ? apply<T>(OP, v, a[i]) : apply<T>(OP, a[i], v);
  }
}

template <typename T, int OP, bool SWAP>
void binaryTyped(const T* a, const T* b, T* out, size_t rows, size_t cols, int broadcast) {
  switch (broadcast) {
    case SAME: line<T, OP, SWAP>(a, b, out, rows * cols, true); break;
    case SCALAR: line<T, OP, SWAP>(a, b, out, rows * cols, false); break;
    case ROW:
      for (size_t r = 0; r < rows; r++) line<T, OP, SWAP>(a + r * cols, b, out + r * cols, cols, true);
      break;
    default:
      for (size_t r = 0; r < rows; r++) line<T, OP, SWAP>(a + r * cols, b + r, out + r * cols, cols, false);
  }
}

template <typename T>
void binaryDispatch(int op, bool swap, const T* a, const T* b, T* out, size_t rows, size_t cols, int broadcast) {
  if (op == ADD) (swap ? binaryTyped<T, ADD, true> : binaryTyped<T, ADD, false>)(a, b, out, rows, cols, broadcast);
  else if (op == SUB) (swap ? binaryTyped<T, SUB, true> : binaryTyped<T, SUB, false>)(a, b, out, rows, cols, broadcast);
  else (swap ? binaryTyped<T, MUL, true> : binaryTyped<T, MUL, false>)(a, b, out, rows, cols, broadcast);
}

// binary(op, a, b, out, rows, cols, broadcast, swap): a and out hold rows × cols; b by `broadcast`.
napi_value binary(napi_env env, napi_callback_info info) {
  Args x(env, info);
  const int op = (int)x.integer(0);
  ArrayArg a = x.array(1), b = x.array(2), out = x.array(3);
  const size_t rows = (size_t)x.size(4, INT64_C(1) << 53), cols = (size_t)x.size(5, INT64_C(1) << 53);
  const int broadcast = (int)x.integer(6);
  const bool swap = x.flag(7);
  if (!x.ok) return nullptr;
  size_t n = 0;
  if (x.ok && __builtin_mul_overflow(rows, cols, &n)) x.failRange("logitkit native binary: rows × cols overflows");
  if (!x.ok) return nullptr;
  const size_t need = broadcast == SAME ? n : broadcast == SCALAR ? 1 : broadcast == ROW ? cols : rows;
  if (a.type != b.type || a.type != out.type || (a.type != napi_float32_array && a.type != napi_float64_array) ||
      op < ADD || op > MUL || broadcast < SAME || broadcast > PER_ROW) {
    x.fail("logitkit native binary: a, b and out must share one float type, with a known op and broadcast");
    return nullptr;
  }
  if (a.length < n || out.length < n || b.length < need) {
    x.failRange("logitkit native binary: an array is shorter than its shape");
    return nullptr;
  }
  if (a.type == napi_float32_array) binaryDispatch(op, swap, (const float*)a.data, (const float*)b.data, (float*)out.data, rows, cols, broadcast);
  else binaryDispatch(op, swap, (const double*)a.data, (const double*)b.data, (double*)out.data, rows, cols, broadcast);
  return nullptr;
}

/** relu with NaN kept: v > 0 ? v : NaN ? NaN : 0. */
template <typename T> inline T reluOf(T v) {
  return v > 0 ? v : v != v ? v : T(0);
}

/** relu's derivative with NaN kept: v > 0 ? 1 : NaN ? NaN : 0. */
template <typename T> inline T stepOf(T v) {
  return v > 0 ? T(1) : v != v ? v : T(0);
}

// out may be x: each element is read before it is written, and `omp simd` lets the compiler vectorize that.
template <typename T> void relu(const T* x, T* out, size_t n, bool step) {
  if (step) {
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = stepOf(x[i]);
  } else {
#pragma omp simd
    for (size_t i = 0; i < n; i++) out[i] = reluOf(x[i]);
  }
}

// relu(x, out, step): out may be x.
napi_value reluOrStep(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), out = a.array(1);
  const bool step = a.flag(2);
  if (!a.ok) return nullptr;
  if (x.type != out.type || (x.type != napi_float32_array && x.type != napi_float64_array)) {
    a.fail("logitkit native relu: x and out must share one float type");
    return nullptr;
  }
  if (x.length != out.length) {
    a.failRange("logitkit native relu: x and out have different lengths");
    return nullptr;
  }
  if (x.type == napi_float32_array) relu((const float*)x.data, (float*)out.data, x.length, step);
  else relu((const double*)x.data, (double*)out.data, x.length, step);
  return nullptr;
}

/** out = relu(x + bias) with bias repeated along rows of `cols`: the sum rounded to T, then relu (NaN kept). */
template <typename T> void biasRelu(const T* x, const T* bias, T* out, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; r++) {
    const T* in = x + r * cols;
    T* to = out + r * cols;
#pragma omp simd
    for (size_t j = 0; j < cols; j++) {
      to[j] = reluOf<T>(in[j] + bias[j]);
    }
  }
}

/** out = dy · step(y): y > 0 → 1, NaN → NaN, else 0 (one multiplication, as mul(dy, step(y)) does). */
template <typename T> void reluGrad(const T* dy, const T* y, T* out, size_t n) {
#pragma omp simd
  for (size_t i = 0; i < n; i++) out[i] = dy[i] * stepOf(y[i]);
}

// biasRelu(x, bias, out): x and out of one length, a multiple of bias's (≥ 1).
napi_value biasReluCall(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0), bias = a.array(1), out = a.array(2);
  if (!sameFloatType(a, "biasRelu", {&x, &bias, &out})) return nullptr;
  if (bias.length == 0 || x.length != out.length || x.length % bias.length != 0) {
    a.failRange("logitkit native biasRelu: x and out must have one length, a multiple of bias's");
    return nullptr;
  }
  const size_t rows = x.length / bias.length;
  if (x.type == napi_float32_array) biasRelu((const float*)x.data, (const float*)bias.data, (float*)out.data, rows, bias.length);
  else biasRelu((const double*)x.data, (const double*)bias.data, (double*)out.data, rows, bias.length);
  return nullptr;
}

// reluGrad(dy, y, out): one length; out may be dy.
napi_value reluGradCall(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg dy = a.array(0), y = a.array(1), out = a.array(2);
  if (!sameFloatType(a, "reluGrad", {&dy, &y, &out})) return nullptr;
  if (dy.length != y.length || dy.length != out.length) {
    a.failRange("logitkit native reluGrad: dy, y and out have different lengths");
    return nullptr;
  }
  if (dy.type == napi_float32_array) reluGrad((const float*)dy.data, (const float*)y.data, (float*)out.data, dy.length);
  else reluGrad((const double*)dy.data, (const double*)y.data, (double*)out.data, dy.length);
  return nullptr;
}

/** Neumaier: t = s + v; c += |s| ≥ |v| ? (s − t) + v : (v − t) + s; s = t (the reference's order). */
inline void neumaier(double& s, double& c, double v) {
  const double t = s + v;
  c += std::fabs(s) >= std::fabs(v) ? (s - t) + v : (v - t) + s;
  s = t;
}

/** An infinite sum has no meaningful compensation (it would be NaN). */
inline double finish(double s, double c) {
  return std::isfinite(s) ? s + c : s;
}

/** Column sums of each (n × inner) block: per column the reference's exact order, so bit-identical to it. */
template <typename T>
void sumColumns(const T* x, size_t outer, size_t n, size_t inner, T* out, double* s, double* c) {
  for (size_t o = 0; o < outer; o++) {
    std::memset(s, 0, inner * sizeof(double));
    std::memset(c, 0, inner * sizeof(double));
    const T* block = x + o * n * inner;
    for (size_t i = 0; i < n; i++) {
      const T* row = block + i * inner;
#pragma omp simd
      for (size_t j = 0; j < inner; j++) {
        const double v = row[j];
        const double t = s[j] + v;
        c[j] += std::fabs(s[j]) >= std::fabs(v) ? (s[j] - t) + v : (v - t) + s[j];
        s[j] = t;
      }
    }
    for (size_t j = 0; j < inner; j++) out[o * inner + j] = (T)finish(s[j], c[j]);
  }
}

/** Row sums: LANES interleaved compensated sums per row, merged in order with the tail (last bits may differ
 *  from the reference's single running sum, like the wasm kernel's). */
template <typename T>
void sumRows(const T* x, size_t rows, size_t n, T* out) {
  constexpr size_t LANES = 8;
  for (size_t r = 0; r < rows; r++) {
    const T* row = x + r * n;
    double s[LANES] = {}, c[LANES] = {};
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
#pragma omp simd
      for (size_t l = 0; l < LANES; l++) {
        const double v = row[i + l];
        const double t = s[l] + v;
        c[l] += std::fabs(s[l]) >= std::fabs(v) ? (s[l] - t) + v : (v - t) + s[l];
        s[l] = t;
      }
    }
    double total = 0, comp = 0;
    for (size_t l = 0; l < LANES; l++) comp += c[l];
    for (size_t l = 0; l < LANES; l++) neumaier(total, comp, s[l]);
    for (; i < n; i++) neumaier(total, comp, (double)row[i]);
    out[r] = (T)finish(total, comp);
  }
}

// sum(x, outer, n, inner, out): sums the middle axis of (outer, n, inner).
napi_value sum(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg x = a.array(0);
  const size_t outer = (size_t)a.size(1, INT64_C(1) << 53), n = (size_t)a.size(2, INT64_C(1) << 53), inner = (size_t)a.size(3, INT64_C(1) << 53);
  ArrayArg out = a.array(4);
  if (!a.ok) return nullptr;
  size_t xNeed = 0, outNeed = 0;
  if (x.type != out.type || (x.type != napi_float32_array && x.type != napi_float64_array)) {
    a.fail("logitkit native sum: x and out must share one float type");
    return nullptr;
  }
  if (!mulAdd(outer * 1, n, 0, xNeed) || !mulAdd(xNeed, inner, 0, xNeed) || !mulAdd(outer, inner, 0, outNeed) ||
      x.length < xNeed || out.length < outNeed) {
    a.failRange("logitkit native sum: an array is shorter than its shape");
    return nullptr;
  }
  thread_local std::vector<double> s, c;
  if (inner > 1 && s.size() < inner) {
    s.resize(inner);
    c.resize(inner);
  }
  if (x.type == napi_float32_array) {
    if (inner == 1) sumRows((const float*)x.data, outer, n, (float*)out.data);
    else sumColumns((const float*)x.data, outer, n, inner, (float*)out.data, s.data(), c.data());
  } else {
    if (inner == 1) sumRows((const double*)x.data, outer, n, (double*)out.data);
    else sumColumns((const double*)x.data, outer, n, inner, (double*)out.data, s.data(), c.data());
  }
  return nullptr;
}

}  // namespace

void registerElementwise(napi_env env, napi_value exports) {
  exportFunction(env, exports, "binary", binary);
  exportFunction(env, exports, "relu", reluOrStep);
  exportFunction(env, exports, "biasRelu", biasReluCall);
  exportFunction(env, exports, "reluGrad", reluGradCall);
  exportFunction(env, exports, "sum", sum);
}
