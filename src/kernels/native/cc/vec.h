// SIMD vectors as GCC vector extensions, as wide as the target allows (-march=native at build time).
#pragma once
#include <immintrin.h>

#if defined(__AVX512F__)
constexpr int VECTOR_BYTES = 64;
#elif defined(__AVX__)
constexpr int VECTOR_BYTES = 32;
#else
constexpr int VECTOR_BYTES = 16;
#endif

template <typename T> struct Vec {
  typedef T type __attribute__((vector_size(VECTOR_BYTES), aligned(VECTOR_BYTES)));
  typedef T unaligned __attribute__((vector_size(VECTOR_BYTES), aligned(alignof(T))));
  static constexpr int lanes = VECTOR_BYTES / sizeof(T);
};

/** a·b + c with one rounding where the target has FMA (else two): for products that are exact either way. */
template <typename V> inline V fusedMultiplyAdd(V a, V b, V c) {
#if defined(__AVX512F__)
  if constexpr (sizeof(a[0]) == 8) return (V)_mm512_fmadd_pd((__m512d)a, (__m512d)b, (__m512d)c);
  else return (V)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__FMA__)
  if constexpr (sizeof(a[0]) == 8) return (V)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c);
  else return (V)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
  return a * b + c;
#endif
}

/** Every lane = *p, as one broadcast load (a load-port uop, no shuffle; `V{} + x` would also add 0, and GCC may
 *  turn a lane-by-lane fill of neighbouring values into one vector load and shuffles). */
template <typename V, typename T> inline V broadcastLoad(const T* p) {
#if defined(__AVX512F__)
  if constexpr (sizeof(V) == 64 && sizeof(T) == 8) return (V)_mm512_set1_pd(*(const double*)p);
  if constexpr (sizeof(V) == 64 && sizeof(T) == 4) return (V)_mm512_set1_ps(*(const float*)p);
#endif
#if defined(__AVX__)
  if constexpr (sizeof(V) == 32 && sizeof(T) == 8) return (V)_mm256_broadcast_sd((const double*)p);
  if constexpr (sizeof(V) == 32 && sizeof(T) == 4) return (V)_mm256_broadcast_ss((const float*)p);
#endif
  V v;
  for (int i = 0; i < (int)(sizeof(V) / sizeof(T)); i++) v[i] = *p;
  return v;
}
