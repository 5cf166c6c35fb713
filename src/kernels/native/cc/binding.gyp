{
  # The native kernel set (its TypeScript glue is src/kernels/native/*.ts): built on the machine that runs it by
  # scripts/build-native.mjs, so -march=native picks that machine's vector width (AVX-512, AVX2 or SSE).
  # -ffp-contract=off keeps every a * b + c two roundings unless a kernel asks for a fused multiply-add itself (vec.h).
  "targets": [
    {
      "target_name": "logitkit",
      "sources": ["addon.cc", "matmul.cc", "adam.cc", "softmax.cc", "elementwise.cc", "conv.cc"],
      "cflags_cc": ["-O3", "-march=native", "-ffp-contract=off", "-fno-math-errno", "-fopenmp", "-std=gnu++17"],
      "cflags_cc!": ["-std=gnu++14", "-std=gnu++1y"],
      "ldflags": ["-fopenmp"]
    }
  ]
}
