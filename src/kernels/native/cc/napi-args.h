// Reading a kernel's arguments from JavaScript: typed arrays by pointer (no copy) and numbers.
// The TypeScript side (src/kernels/native/) validated types and sizes; a mismatch here is a bug, so it throws.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <initializer_list>

/** a·b + c, or false when it does not fit in size_t. */
inline bool mulAdd(size_t a, size_t b, size_t c, size_t& out) {
  return !__builtin_mul_overflow(a, b, &out) && !__builtin_add_overflow(out, c, &out);
}

struct ArrayArg {
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type = napi_float64_array;
  bool present = false;
};

struct Args {
  napi_env env;
  napi_value argv[16];
  size_t argc = 16;
  bool ok = true;

  Args(napi_env e, napi_callback_info info) : env(e) {
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) fail("bad call");
  }

  /** A wrong type or value: TypeError. */
  void fail(const char* message) {
    if (ok) napi_throw_type_error(env, nullptr, message);
    ok = false;
  }

  /** A wrong length or size: RangeError. */
  void failRange(const char* message) {
    if (ok) napi_throw_range_error(env, nullptr, message);
    ok = false;
  }

  /** Argument i as a typed array; null or undefined gives present = false when `optional`. */
  ArrayArg array(size_t i, bool optional = false) {
    ArrayArg out;
    if (!ok) return out;
    if (i >= argc) { fail("logitkit native: missing array argument"); return out; }
    napi_valuetype t;
    napi_typeof(env, argv[i], &t);
    if (optional && (t == napi_null || t == napi_undefined)) return out;
    bool is = false;
    napi_is_typedarray(env, argv[i], &is);
    if (!is) { fail("logitkit native: expected a typed array"); return out; }
    napi_get_typedarray_info(env, argv[i], &out.type, &out.length, &out.data, nullptr, nullptr);
    out.present = true;
    return out;
  }

  double number(size_t i) {
    double v = 0;
    if (!ok) return v;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok) fail("logitkit native: expected a number");
    return v;
  }

  int64_t integer(size_t i) {
    int64_t v = 0;
    if (!ok) return v;
    if (i >= argc || napi_get_value_int64(env, argv[i], &v) != napi_ok) fail("logitkit native: expected an integer");
    return v;
  }

  /** Argument i as a count, size or stride: an integer in [0, max] (a RangeError otherwise, never a wrapped value). */
  int64_t size(size_t i, int64_t max = INT32_MAX) {
    double v = 0;
    if (!ok) return 0;
    if (i >= argc || napi_get_value_double(env, argv[i], &v) != napi_ok || !(v >= 0) || v > (double)max || v != (double)(int64_t)v) {
      if (ok) napi_throw_range_error(env, nullptr, "logitkit native: a size argument is not an integer in range");
      ok = false;
      return 0;
    }
    return (int64_t)v;
  }

  bool flag(size_t i) {
    bool v = false;
    if (!ok) return v;
    if (i >= argc || napi_get_value_bool(env, argv[i], &v) != napi_ok) fail("logitkit native: expected a boolean");
    return v;
  }
};

/** Whether the arrays share one float type (Float32Array or Float64Array); throws a TypeError naming op otherwise. */
inline bool sameFloatType(Args& a, const char* op, std::initializer_list<const ArrayArg*> arrays) {
  if (!a.ok) return false;
  const napi_typedarray_type type = (*arrays.begin())->type;
  bool fine = type == napi_float32_array || type == napi_float64_array;
  for (const ArrayArg* arr : arrays) fine = fine && arr->type == type;
  if (!fine) {
    char message[160];
    snprintf(message, sizeof message, "logitkit native %s: the arrays must all be Float32Array or all Float64Array", op);
    a.fail(message);
  }
  return fine;
}

/** Adds fn to exports under name. */
inline void exportFunction(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value f;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, nullptr, &f);
  napi_set_named_property(env, exports, name, f);
}

// Each kernel file registers its functions.
void registerMatMul(napi_env env, napi_value exports);
void registerAdam(napi_env env, napi_value exports);
void registerSoftmax(napi_env env, napi_value exports);
void registerElementwise(napi_env env, napi_value exports);
