// Matmuls against weights of any supported type, several at once when they share their
// input (q/k/v, gate/up): the input is quantized once for all of them and their rows go
// to the pool in one dispatch, with an optional epilogue (residual add or silu * up).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "cpu_objects.hpp"
#include "graph_plan.hpp"
#include "scratch_buffer.hpp"
#include "thread_pool.hpp"

namespace sluice::cpu {

// Buffers reused between calls: the quantized input, and per-thread temporaries.
struct MatmulScratch {
  ScratchBuffer act;
  std::vector<ScratchBuffer> per_thread;
};

struct MatmulMember {
  const Weight* weight;  // [k, m]
  float* y;              // [n][m]: column c at y + c * m (unused with the silu epilogue)
};

// For each member, y = W x over the n columns of x (column c at x + c * k). Members
// share k and the activation type of their weights. Epilogues:
//   add_residual  one member; afterwards y += residual (same shape as y)
//   silu_mul      members gate and up of equal m; out [n][m] = silu(gate) * up, no y
void run_matmul_group(std::span<const MatmulMember> members, const float* x, int64_t n,
                      Epilogue epilogue, const float* residual, float* out, ThreadPool& pool,
                      MatmulScratch& scratch);

}  // namespace sluice::cpu
