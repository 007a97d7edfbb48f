// A compiled graph: the nodes, the step program built from them, and the scratch state
// its executions reuse (arena plans per batch shape, quantized inputs, rope tables).
// Execution is externally synchronized on the context, so the state needs no locking.
#pragma once

#include <array>
#include <vector>

#include "cpu_objects.hpp"
#include "cpu_ops.hpp"
#include "graph_plan.hpp"
#include "matmul_op.hpp"
#include "scratch_buffer.hpp"

namespace sluice::cpu {

struct ExecState {
  std::vector<MemoryPlan> plans;  // one per batch shape seen, most recent first
  ScratchBuffer arena;            // every intermediate result, at the plan's offsets
  MatmulScratch matmul;
  AttentionScratch attention;
  RopeTable rope;
  std::vector<float> dequantized;  // a non-F32 weight read by add/mul
};

}  // namespace sluice::cpu

struct sluice_backend_graph_s {
  sluice_backend_model* model = nullptr;
  std::vector<sluice_graph_node> nodes;
  int32_t output_node = -1;
  sluice::cpu::GraphProgram program;
  std::vector<std::array<int64_t, 4>> weight_dims;  // per node: its tensor's shape
  sluice::cpu::ExecState state;
};
