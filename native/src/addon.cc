// The native kernel module: each kernel file adds its functions to the exports.
#include "napi-args.h"
#include <omp.h>

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

static napi_value init(napi_env env, napi_value exports) {
  exportFunction(env, exports, "isa", describe);
  exportFunction(env, exports, "processors", maxThreads);
  registerMatMul(env, exports);
  registerAdam(env, exports);
  registerSoftmax(env, exports);
  registerElementwise(env, exports);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
