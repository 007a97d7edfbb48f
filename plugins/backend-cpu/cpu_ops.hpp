// The graph ops on F32 activations. Shapes follow GGUF order: [d0 fastest, d1, ...].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cpu_objects.hpp"
#include "scratch_buffer.hpp"
#include "thread_pool.hpp"

namespace sluice::cpu {

// Thrown by ops for bad batch contents (token id out of range, block id out of range);
// the plugin edge turns it into SLUICE_ERR_INVALID_ARG.
struct InvalidBatch {
  std::string message;
};

void op_get_rows(const Weight& table, const int32_t* ids, int64_t n, float* out);
// out = x / rms(x) per row of d, times `weight` (d floats) when it is not null.
void op_rms_norm(const float* x, int64_t d, int64_t n, float eps, const float* weight, float* out);
// out = a (op) b, b broadcast along its dims of size 1 (b may be a weight).
void op_binary(int32_t op, const float* a, const int64_t* a_dims, const float* b,
               const int64_t* b_dims, float* out);
void op_silu_mul(const float* gate, const float* up, int64_t count, float* out);
void op_scale(const float* x, int64_t count, float factor, float* out);

// cos/sin of every (row, rotated pair) of one batch. Every rope node of a model uses the
// same positions and parameters, so one table serves all layers of an execute.
struct RopeTable {
  bool valid = false;
  int64_t n = 0, n_rot = 0;
  float base = 0, freq_scale = 0, attn_factor = 0;
  const float* freq_factors = nullptr;
  std::vector<float> cos, sin;  // [n][n_rot / 2]
};
// Fills `table` for this node's parameters unless it already holds them.
void prepare_rope(RopeTable& table, const int32_t* positions, int64_t n, const float* freq_factors,
                  const sluice_graph_node& node);
// out = x [head_dim, heads, n] with the first n_rot dims of each head rotated.
void op_rope(const float* x, float* out, int64_t head_dim, int64_t heads, int64_t n,
             const RopeTable& table, int32_t mode);

// Row pointers into the paged cache for attention, reused between calls.
struct AttentionScratch {
  std::vector<const uint8_t*> k_rows, v_rows;
  std::vector<int64_t> first_row;   // per sequence: its first entry in k_rows / v_rows
  std::vector<int64_t> first_item;  // per sequence: its first (row, head) work item
};
// Writes k and v into the cache, then attends causally for every row of `batch`.
void op_attention(const float* q, const float* k, const float* v, int64_t head_dim, int64_t n_head,
                  int64_t n_head_kv, const sluice_batch& batch, sluice_backend_kv& kv,
                  uint32_t layer, float scale, float softcap, ThreadPool& pool,
                  AttentionScratch& scratch, float* out);

// True for weight types the matmul kernels run.
bool supports_weight_type(int32_t dtype);

}  // namespace sluice::cpu
