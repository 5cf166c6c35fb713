// A grow-only, cache-line-aligned scratch buffer: kernels keep one per thread, so a warm call allocates nothing
// (large fresh allocations would be fresh mmap pages, faulted in on every call).
#pragma once
#include <cstddef>
#include <cstdlib>

template <typename T> class AlignedBuffer {
 public:
  ~AlignedBuffer() { std::free(data_); }
  /** At least `count` elements (the contents are not kept when it grows), or null when memory runs out. */
  T* get(size_t count) {
    if (count > capacity_) {
      std::free(data_);
      const size_t bytes = ((count * sizeof(T) + 63) / 64) * 64;
      data_ = static_cast<T*>(std::aligned_alloc(64, bytes));
      capacity_ = data_ ? count : 0;
    }
    return data_;
  }

 private:
  T* data_ = nullptr;
  size_t capacity_ = 0;
};
