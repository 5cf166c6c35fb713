// Adam's update (src/kernels/ts/optimizer.ts has the formula): float64 arithmetic in the reference's order,
// each stored value rounded once, so the result is bit-identical to the TypeScript and wasm kernels.
// -ffp-contract=off (binding.gyp) keeps the compiler from fusing any of it.
#include "napi-args.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <omp.h>

struct AdamConstants {
  double beta1, beta2, c1, c2, epsilon, stepSize, invBc2Sqrt, keep, l2;
};

/** From this many elements the update is split over the threads (its square roots and divisions are slow). */
constexpr size_t MIN_PARALLEL = 1 << 14;

/** In place: p, g, m and v are distinct arrays, which lets the compiler vectorize without overlap checks. */
template <typename T>
static void adamRange(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v, size_t n, const AdamConstants& s) {
#pragma omp simd
  for (size_t i = 0; i < n; i++) {
    const double pi = p[i];
    const double d = s.l2 == 0 ? (double)g[i] : (double)g[i] + s.l2 * pi;
    const T mi = (T)(s.beta1 * (double)m[i] + s.c1 * d);
    const T vi = (T)(s.beta2 * (double)v[i] + s.c2 * d * d);
    m[i] = mi;
    v[i] = vi;
    p[i] = (T)(pi * s.keep - (s.stepSize * (double)mi) / (std::sqrt((double)vi) * s.invBc2Sqrt + s.epsilon));
  }
}

/** out = the updated p (out is p, or a distinct array that receives a copy of p first). Each element's arithmetic
 *  is the same whatever the split, so any number of threads gives the same bits. */
template <typename T>
static void adam(T* p, const T* g, T* m, T* v, T* out, size_t n, const AdamConstants& s, int threads) {
  if (out != p) std::memcpy(out, p, n * sizeof(T));
  if (threads <= 1 || n < MIN_PARALLEL) {
    adamRange(out, g, m, v, n, s);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const size_t parts = omp_get_num_threads(), part = omp_get_thread_num();
    const size_t step = (n + parts - 1) / parts / 16 * 16 + 16;
    const size_t start = std::min(n, part * step), end = std::min(n, start + step);
    adamRange(out + start, g + start, m + start, v + start, end - start, s);
  }
}

// adamUpdate(p, g, m, v, out, beta1, beta2, epsilon, stepSize = lr / bc1, invBc2Sqrt = 1/sqrt(bc2), keep = 1 − decay, l2, threads)
static napi_value adamUpdate(napi_env env, napi_callback_info info) {
  Args a(env, info);
  ArrayArg p = a.array(0), g = a.array(1), m = a.array(2), v = a.array(3), out = a.array(4);
  AdamConstants s;
  s.beta1 = a.number(5);
  s.beta2 = a.number(6);
  s.c1 = 1 - s.beta1;
  s.c2 = 1 - s.beta2;
  s.epsilon = a.number(7);
  s.stepSize = a.number(8);
  s.invBc2Sqrt = a.number(9);
  s.keep = a.number(10);
  s.l2 = a.number(11);
  const int threads = a.argc > 12 ? (int)a.integer(12) : 1;
  if (!a.ok) return nullptr;
  const size_t n = p.length;
  if ((p.type != napi_float32_array && p.type != napi_float64_array) || g.type != p.type || m.type != p.type ||
      v.type != p.type || out.type != p.type) {
    a.fail("logitkit native adamUpdate: p, g, m, v and out must all be Float32Array or all Float64Array");
    return nullptr;
  }
  if (g.length != n || m.length != n || v.length != n || out.length != n) {
    a.failRange("logitkit native adamUpdate: arrays of different lengths");
    return nullptr;
  }
  if (p.type == napi_float32_array) {
    adam((float*)p.data, (const float*)g.data, (float*)m.data, (float*)v.data, (float*)out.data, n, s, threads);
  } else {
    adam((double*)p.data, (const double*)g.data, (double*)m.data, (double*)v.data, (double*)out.data, n, s, threads);
  }
  return nullptr;
}

void registerAdam(napi_env env, napi_value exports) {
  exportFunction(env, exports, "adamUpdate", adamUpdate);
}
