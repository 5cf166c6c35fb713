// Adam's update (src/kernels/ts/optimizer.ts has the formula): float64 arithmetic in the reference's order,
// each stored value rounded once, so the result is bit-identical to the TypeScript and wasm kernels.
// -ffp-contract=off (binding.gyp) keeps the compiler from fusing any of it.
#include "napi-args.h"
#include <cmath>

struct AdamConstants {
  double beta1, beta2, c1, c2, epsilon, stepSize, bc2Sqrt, keep, l2;
};

template <typename T>
static void adam(T* p, const T* g, T* m, T* v, T* out, size_t n, const AdamConstants& s) {
#pragma omp simd
  for (size_t i = 0; i < n; i++) {
    const double pi = p[i];
    const double d = s.l2 == 0 ? (double)g[i] : (double)g[i] + s.l2 * pi;
    const T mi = (T)(s.beta1 * (double)m[i] + s.c1 * d);
    const T vi = (T)(s.beta2 * (double)v[i] + s.c2 * d * d);
    m[i] = mi;
    v[i] = vi;
    out[i] = (T)(pi * s.keep - (s.stepSize * (double)mi) / (std::sqrt((double)vi) / s.bc2Sqrt + s.epsilon));
  }
}

// adamUpdate(p, g, m, v, out, beta1, beta2, epsilon, stepSize = lr / bc1, bc2Sqrt, keep = 1 − decay, l2)
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
  s.bc2Sqrt = a.number(9);
  s.keep = a.number(10);
  s.l2 = a.number(11);
  if (!a.ok) return nullptr;
  const size_t n = p.length;
  if (g.length != n || m.length != n || v.length != n || out.length != n) {
    a.fail("logitkit native adamUpdate: arrays of different lengths");
    return nullptr;
  }
  if (p.type == napi_float32_array) {
    adam((float*)p.data, (const float*)g.data, (float*)m.data, (float*)v.data, (float*)out.data, n, s);
  } else {
    adam((double*)p.data, (const double*)g.data, (double*)m.data, (double*)v.data, (double*)out.data, n, s);
  }
  return nullptr;
}

void registerAdam(napi_env env, napi_value exports) {
  exportFunction(env, exports, "adamUpdate", adamUpdate);
}
