#include "cpu_objects.hpp"

namespace sluice::cpu {

size_t KvGeometry::k_row_bytes() const {
  return static_cast<size_t>(n_kv_heads) * head_dim_k * (dtype == SLUICE_DTYPE_F32 ? 4 : 2);
}

size_t KvGeometry::v_row_bytes() const {
  return static_cast<size_t>(n_kv_heads) * head_dim_v * (dtype == SLUICE_DTYPE_F32 ? 4 : 2);
}

size_t KvGeometry::block_bytes() const {
  return n_layers * block_size * (k_row_bytes() + v_row_bytes());
}

}  // namespace sluice::cpu

using sluice::cpu::KvGeometry;

uint8_t* sluice_backend_kv_s::k_row(uint32_t layer, int32_t block, uint32_t slot) {
  const KvGeometry& g = geometry;
  const size_t layer_block =
      static_cast<size_t>(g.block_size) * (g.k_row_bytes() + g.v_row_bytes());
  return storage.get() + (static_cast<size_t>(block) * g.n_layers + layer) * layer_block +
         slot * g.k_row_bytes();
}

uint8_t* sluice_backend_kv_s::v_row(uint32_t layer, int32_t block, uint32_t slot) {
  const KvGeometry& g = geometry;
  const size_t layer_block =
      static_cast<size_t>(g.block_size) * (g.k_row_bytes() + g.v_row_bytes());
  return storage.get() + (static_cast<size_t>(block) * g.n_layers + layer) * layer_block +
         g.block_size * g.k_row_bytes() + slot * g.v_row_bytes();
}
