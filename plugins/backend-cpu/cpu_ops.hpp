// The graph ops on F32 activations. Shapes follow GGUF order: [d0 fastest, d1, ...].
#pragma once

#include <cstdint>
#include <string>

#include "cpu_objects.hpp"

namespace sluice::cpu {

// Thrown by ops for bad batch contents (token id out of range, block id out of range);
// the plugin edge turns it into SLUICE_ERR_INVALID_ARG.
struct InvalidBatch {
  std::string message;
};

void op_get_rows(const Weight& table, const int32_t* ids, int64_t n, float* out);
void op_rms_norm(const float* x, int64_t d, int64_t n, float eps, float* out);
// out = a (op) b, b broadcast along its dims of size 1 (b may be a weight).
void op_binary(int32_t op, const float* a, const int64_t* a_dims, const float* b,
               const int64_t* b_dims, float* out);
void op_silu_mul(const float* gate, const float* up, int64_t count, float* out);
void op_scale(const float* x, int64_t count, float factor, float* out);
// x [head_dim, heads, n] rotated in place by each row's position.
void op_rope(float* x, int64_t head_dim, int64_t heads, int64_t n, const int32_t* positions,
             const float* freq_factors, const sluice_graph_node& node);
// Writes k and v into the cache, then attends causally for every row of `batch`.
void op_attention(const float* q, const float* k, const float* v, int64_t head_dim, int64_t n_head,
                  int64_t n_head_kv, const sluice_batch& batch, sluice_backend_kv& kv,
                  uint32_t layer, float scale, float softcap, ThreadPool& pool, float* out);
// True for weight types the matmul kernels run.
bool supports_weight_type(int32_t dtype);

// y [m, n] = W^T x for W [k, m] of any weight type, x [k, n] F32.
void op_matmul(const Weight& w, const float* x, int64_t n, float* y, ThreadPool& pool);

}  // namespace sluice::cpu
