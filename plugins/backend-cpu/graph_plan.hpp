// What a compiled graph runs: the graph's nodes turned once, at compile time, into a
// list of steps with simple fusions, and, per batch shape, where every intermediate
// result lives in one arena (planned once per shape, reused by every execute).
//
// Fusions (each only where the intermediate result has no other reader):
//   rms_norm -> mul by an F32 weight row            one pass, no normalized copy
//   consecutive matmuls reading the same input     the input quantized once, one dispatch
//   gate, up matmuls -> silu_mul                   silu(gate) * up written directly
//   matmul -> add (same shape)                     the residual added as rows finish
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sluice/backend.h"

namespace sluice::cpu {

enum class StepKind {
  get_rows,
  rms_norm,  // optionally times a weight row (norm_weight)
  binary,    // SLUICE_OP_ADD / SLUICE_OP_MUL with broadcast
  matmul,    // one or more matmuls sharing their input, optionally with an epilogue
  rope,
  silu_mul,
  attention,
  output_rows,
  scale,
};

enum class Epilogue {
  none,          // each member writes its own node
  add_residual,  // one member; writes node `out` = member + residual
  silu_mul,      // members gate, up; writes node `out` = silu(gate) * up
};

struct Step {
  StepKind kind;
  int32_t node = -1;             // the graph node whose op and parameters this step runs
  int32_t out = -1;              // the node this step writes (for matmul groups: see Epilogue)
  int32_t norm_weight = -1;      // rms_norm: weight node multiplied in, -1 = none
  std::vector<int32_t> members;  // matmul: the matmul nodes, in graph order
  Epilogue epilogue = Epilogue::none;
  int32_t residual = -1;        // add_residual: the node added to the product
  std::vector<int32_t> reads;   // nodes whose results this step reads
  std::vector<int32_t> writes;  // nodes whose results this step defines
};

// Steps and buffer ownership of one compiled graph.
struct GraphProgram {
  std::vector<Step> steps;
  // The node whose buffer holds each node's result: itself, or for a reshape the node
  // it views; -1 for nodes without an F32 buffer (inputs, weights).
  std::vector<int32_t> root;
};

GraphProgram build_program(const std::vector<sluice_graph_node>& nodes, int32_t output_node,
                           const std::vector<int32_t>& weight_dtypes);

// Shapes and arena offsets for one (n_tokens, n_outputs).
struct MemoryPlan {
  int32_t n_tokens = -1;
  int32_t n_outputs = -1;
  std::vector<std::array<int64_t, 4>> dims;  // every node's resolved shape
  std::vector<size_t> offset;                // byte offset of each root node's buffer
  size_t arena_bytes = 0;
  static constexpr size_t kNone = ~size_t{0};
};

// `weight_dims` gives each weight node's shape (its tensor's), indexed by node.
MemoryPlan plan_memory(const std::vector<sluice_graph_node>& nodes, const GraphProgram& program,
                       int32_t output_node, const std::vector<std::array<int64_t, 4>>& weight_dims,
                       int32_t n_tokens, int32_t n_outputs);

}  // namespace sluice::cpu
