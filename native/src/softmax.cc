// The softmax family in native code: not written yet; the kernel set uses the fallback's.
#include "napi-args.h"

void registerSoftmax(napi_env, napi_value) {}
