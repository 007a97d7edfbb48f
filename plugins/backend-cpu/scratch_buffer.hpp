// A grow-only, cache-line aligned byte buffer for per-graph scratch memory. Growing
// never zero-fills (the planned contents are always written before they are read), so
// untouched capacity costs no resident memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>

namespace sluice::cpu {

class ScratchBuffer {
 public:
  // At least `bytes` bytes, 64-byte aligned; earlier contents are not kept on growth.
  uint8_t* reserve(size_t bytes) {
    if (bytes > capacity_) {
      const size_t rounded = (bytes + 63) / 64 * 64;
      void* p = std::aligned_alloc(64, rounded);
      if (p == nullptr) throw std::bad_alloc();
      data_.reset(static_cast<uint8_t*>(p));
      capacity_ = rounded;
    }
    return data_.get();
  }
  template <class T>
  T* reserve_as(size_t count) {
    return reinterpret_cast<T*>(reserve(count * sizeof(T)));
  }
  uint8_t* data() const { return data_.get(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> data_;
  size_t capacity_ = 0;
};

}  // namespace sluice::cpu
