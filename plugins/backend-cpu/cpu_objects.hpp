// The CPU backend's objects behind the opaque ABI handles.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "sluice/backend.h"
#include "thread_pool.hpp"

namespace sluice::cpu {

struct Weight {
  int32_t dtype;
  int64_t dims[4];
  const void* data;  // borrowed from the host (the mapped GGUF)
  size_t size_bytes;
};

struct KvGeometry {
  int32_t dtype = SLUICE_DTYPE_F16;
  uint32_t n_layers = 0, n_kv_heads = 0, head_dim_k = 0, head_dim_v = 0, block_size = 0,
           n_blocks = 0;
  // Bytes of one token's K (or V) row across all KV heads of one layer.
  size_t k_row_bytes() const;
  size_t v_row_bytes() const;
  size_t block_bytes() const;  // K and V of block_size tokens in every layer
};

}  // namespace sluice::cpu

struct sluice_backend_context_s {
  explicit sluice_backend_context_s(int32_t threads) : pool(threads) {}
  sluice::cpu::ThreadPool pool;  // joined when the context is destroyed
};

struct sluice_backend_model_s {
  sluice_backend_context* ctx = nullptr;
  std::vector<sluice::cpu::Weight> weights;
};

struct sluice_backend_kv_s {
  sluice_backend_model* model = nullptr;
  sluice::cpu::KvGeometry geometry;
  // Layout: [block][layer][K rows of block_size tokens][V rows of block_size tokens], so a
  // whole block (every layer) is one contiguous range. calloc'd: the kernel maps zero
  // pages lazily, so blocks never written cost no resident memory.
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t, Free> storage;
  uint8_t* k_row(uint32_t layer, int32_t block, uint32_t slot);
  uint8_t* v_row(uint32_t layer, int32_t block, uint32_t slot);
};
