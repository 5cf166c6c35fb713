// The native kernel module: each kernel file adds its functions to the exports.
#include "napi-args.h"
#include <cstdio>
#include <omp.h>

void registerConv(napi_env env, napi_value exports);  // conv.cc

static napi_value describe(napi_env env, napi_callback_info) {
  // What the compiler targeted, for the kernel set's name and the bench.
#if defined(__AVX512F__)
  const char* isa = "avx512";
#elif defined(__AVX2__)
  const char* isa = "avx2";
#else
  const char* isa = "sse";
#endif
  napi_value out;
  napi_create_string_utf8(env, isa, NAPI_AUTO_LENGTH, &out);
  return out;
}

static napi_value maxThreads(napi_env env, napi_callback_info) {
  napi_value out;
  napi_create_int32(env, omp_get_num_procs(), &out);
  return out;
}

/** The module is compiled with -march=native: on a CPU without those instructions it must refuse to load (the
 *  library then runs the wasm kernels) rather than die on the first illegal instruction. */
static const char* missingInstructions() {
  __builtin_cpu_init();
#if defined(__AVX512F__)
  if (!__builtin_cpu_supports("avx512f")) return "avx512f";
#endif
#if defined(__AVX512VL__)
  if (!__builtin_cpu_supports("avx512vl")) return "avx512vl";
#endif
#if defined(__AVX512BW__)
  if (!__builtin_cpu_supports("avx512bw")) return "avx512bw";
#endif
#if defined(__AVX512VBMI2__)
  if (!__builtin_cpu_supports("avx512vbmi2")) return "avx512vbmi2";
#endif
#if defined(__BMI2__)
  if (!__builtin_cpu_supports("bmi2")) return "bmi2";
#endif
#if defined(__AVX2__)
  if (!__builtin_cpu_supports("avx2")) return "avx2";
#endif
#if defined(__FMA__)
  if (!__builtin_cpu_supports("fma")) return "fma";
#endif
  return nullptr;
}

static napi_value init(napi_env env, napi_value exports) {
  if (const char* missing = missingInstructions()) {
    char message[160];
    snprintf(message, sizeof message, "logitkit native: built for another CPU (this one lacks %s): rebuild with npm run build:native", missing);
    napi_throw_error(env, nullptr, message);
    return nullptr;
  }
  exportFunction(env, exports, "isa", describe);
  exportFunction(env, exports, "processors", maxThreads);
  registerMatMul(env, exports);
  registerAdam(env, exports);
  registerSoftmax(env, exports);
  registerElementwise(env, exports);
  registerConv(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
