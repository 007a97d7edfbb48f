#include "graph_plan.hpp"

#include <algorithm>
#include <climits>
#include <map>

#include "kernels/cpu/quant.hpp"

namespace sluice::cpu {
namespace {

bool is_view(int32_t op) {
  return op == SLUICE_OP_INPUT_TOKENS || op == SLUICE_OP_INPUT_POSITIONS ||
         op == SLUICE_OP_WEIGHT || op == SLUICE_OP_RESHAPE;
}

// The next node after `i` that computes something (weights are only references).
int32_t next_compute_node(const std::vector<sluice_graph_node>& nodes, int32_t i) {
  for (size_t j = static_cast<size_t>(i) + 1; j < nodes.size(); ++j) {
    if (nodes[j].op != SLUICE_OP_WEIGHT) return static_cast<int32_t>(j);
  }
  return -1;
}

bool same_dims(const sluice_graph_node& a, const sluice_graph_node& b) {
  return std::equal(std::begin(a.dims), std::end(a.dims), std::begin(b.dims));
}

StepKind kind_of(int32_t op) {
  switch (op) {
    case SLUICE_OP_GET_ROWS: return StepKind::get_rows;
    case SLUICE_OP_RMS_NORM: return StepKind::rms_norm;
    case SLUICE_OP_ADD:
    case SLUICE_OP_MUL: return StepKind::binary;
    case SLUICE_OP_MATMUL: return StepKind::matmul;
    case SLUICE_OP_ROPE: return StepKind::rope;
    case SLUICE_OP_SILU_MUL: return StepKind::silu_mul;
    case SLUICE_OP_ATTENTION: return StepKind::attention;
    case SLUICE_OP_OUTPUT_ROWS: return StepKind::output_rows;
    default: return StepKind::scale;
  }
}

int64_t resolve(int64_t d, int32_t n_tokens, int32_t n_outputs) {
  if (d == SLUICE_DIM_TOKENS) return n_tokens;
  if (d == SLUICE_DIM_OUTPUTS) return n_outputs;
  return d;
}

// Best-fit allocation of byte ranges in one arena, freed ranges merged.
class ArenaAllocator {
 public:
  size_t allocate(size_t bytes) {
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->second >= bytes && (best == free_.end() || it->second < best->second)) best = it;
    }
    if (best != free_.end()) {
      const size_t offset = best->first;
      const size_t left = best->second - bytes;
      free_.erase(best);
      if (left > 0) free_[offset + bytes] = left;
      return offset;
    }
    // Grow the arena, reusing a free range that ends at its top.
    if (!free_.empty()) {
      auto last = std::prev(free_.end());
      if (last->first + last->second == end_) {
        const size_t offset = last->first;
        free_.erase(last);
        end_ = offset + bytes;
        return offset;
      }
    }
    const size_t offset = end_;
    end_ += bytes;
    return offset;
  }

  void release(size_t offset, size_t bytes) {
    auto it = free_.emplace(offset, bytes).first;
    if (auto next = std::next(it); next != free_.end() && it->first + it->second == next->first) {
      it->second += next->second;
      free_.erase(next);
    }
    if (it != free_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second == it->first) {
        prev->second += it->second;
        free_.erase(it);
      }
    }
  }

  size_t size() const { return end_; }

 private:
  std::map<size_t, size_t> free_;  // offset -> bytes
  size_t end_ = 0;
};

}  // namespace

GraphProgram build_program(const std::vector<sluice_graph_node>& nodes, int32_t output_node,
                           const std::vector<int32_t>& weight_dtypes) {
  const auto n = static_cast<int32_t>(nodes.size());
  GraphProgram program;
  program.root.assign(nodes.size(), -1);
  std::vector<int32_t> readers(nodes.size(), 0);
  for (int32_t i = 0; i < n; ++i) {
    const auto& node = nodes[static_cast<size_t>(i)];
    if (node.op == SLUICE_OP_RESHAPE) {
      program.root[static_cast<size_t>(i)] = program.root[static_cast<size_t>(node.src[0])];
    } else if (!is_view(node.op)) {
      program.root[static_cast<size_t>(i)] = i;
    }
    for (int32_t s : node.src) {
      if (s >= 0) ++readers[static_cast<size_t>(s)];
    }
  }
  auto only_reader = [&](int32_t producer) {
    return producer != output_node && readers[static_cast<size_t>(producer)] == 1;
  };
  auto act_type = [&](int32_t matmul) {
    const int32_t w = nodes[static_cast<size_t>(matmul)].src[0];
    return kernels::vec_dot_type(
        static_cast<kernels::GgmlType>(weight_dtypes[static_cast<size_t>(w)]));
  };

  // Matmul groups and their fusions, keyed by the node where the group's step goes.
  std::map<int32_t, Step> matmul_steps;
  std::vector<bool> absorbed(nodes.size(), false);  // computed by some other node's step
  for (int32_t i = 0; i < n; ++i) {
    const auto& first = nodes[static_cast<size_t>(i)];
    if (first.op != SLUICE_OP_MATMUL || absorbed[static_cast<size_t>(i)]) continue;
    Step step;
    step.kind = StepKind::matmul;
    step.node = i;
    step.members = {i};
    int32_t last = i;
    for (int32_t j = next_compute_node(nodes, i); j >= 0; j = next_compute_node(nodes, j)) {
      const auto& other = nodes[static_cast<size_t>(j)];
      if (other.op != SLUICE_OP_MATMUL || other.src[1] != first.src[1] ||
          act_type(j) != act_type(i) || other.dims[1] != first.dims[1]) {
        break;
      }
      step.members.push_back(j);
      last = j;
    }
    for (int32_t m : step.members) absorbed[static_cast<size_t>(m)] = true;
    step.reads = {first.src[1]};
    int32_t emit_at = last;
    const int32_t consumer = next_compute_node(nodes, last);
    const sluice_graph_node* c = consumer >= 0 ? &nodes[static_cast<size_t>(consumer)] : nullptr;
    if (c != nullptr && step.members.size() == 2 && c->op == SLUICE_OP_SILU_MUL &&
        c->src[0] == step.members[0] && c->src[1] == step.members[1] &&
        only_reader(step.members[0]) && only_reader(step.members[1]) &&
        nodes[static_cast<size_t>(step.members[0])].dims[0] ==
            nodes[static_cast<size_t>(step.members[1])].dims[0]) {
      step.epilogue = Epilogue::silu_mul;
      step.out = consumer;
    } else if (c != nullptr && step.members.size() == 1 && c->op == SLUICE_OP_ADD &&
               only_reader(i) && (c->src[0] == i || c->src[1] == i)) {
      const int32_t other = c->src[0] == i ? c->src[1] : c->src[0];
      if (other != i && program.root[static_cast<size_t>(other)] >= 0 && same_dims(*c, first) &&
          same_dims(nodes[static_cast<size_t>(other)], first)) {
        step.epilogue = Epilogue::add_residual;
        step.out = consumer;
        step.residual = other;
        step.reads.push_back(other);
      }
    }
    if (step.epilogue == Epilogue::none) {
      step.writes = step.members;
    } else {
      step.writes = {step.out};
      emit_at = step.out;
      absorbed[static_cast<size_t>(step.out)] = true;
    }
    matmul_steps.emplace(emit_at, std::move(step));
  }

  // rms_norm followed by a multiply with an F32 weight row: one step at the multiply.
  std::vector<int32_t> norm_into(nodes.size(), -1);
  for (int32_t i = 0; i < n; ++i) {
    const auto& norm = nodes[static_cast<size_t>(i)];
    if (norm.op != SLUICE_OP_RMS_NORM || !only_reader(i)) continue;
    const int32_t u = next_compute_node(nodes, i);
    if (u < 0) continue;
    const auto& mul = nodes[static_cast<size_t>(u)];
    const int32_t w = mul.src[1];
    if (mul.op != SLUICE_OP_MUL || mul.src[0] != i || w < 0 || absorbed[static_cast<size_t>(u)])
      continue;
    const auto& wn = nodes[static_cast<size_t>(w)];
    if (wn.op == SLUICE_OP_WEIGHT && weight_dtypes[static_cast<size_t>(w)] == SLUICE_DTYPE_F32 &&
        wn.dims[0] == norm.dims[0] && wn.dims[1] == 1 && wn.dims[2] == 1 && wn.dims[3] == 1) {
      norm_into[static_cast<size_t>(u)] = i;
      absorbed[static_cast<size_t>(i)] = true;
    }
  }

  for (int32_t i = 0; i < n; ++i) {
    const auto& node = nodes[static_cast<size_t>(i)];
    if (auto it = matmul_steps.find(i); it != matmul_steps.end()) {
      program.steps.push_back(std::move(it->second));
      continue;
    }
    if (is_view(node.op) || absorbed[static_cast<size_t>(i)]) continue;
    Step step;
    step.node = i;
    step.out = i;
    step.writes = {i};
    if (const int32_t norm = norm_into[static_cast<size_t>(i)]; norm >= 0) {
      step.kind = StepKind::rms_norm;
      step.node = norm;
      step.norm_weight = node.src[1];
      step.reads = {nodes[static_cast<size_t>(norm)].src[0]};
    } else {
      step.kind = kind_of(node.op);
      for (int32_t s : node.src) {
        if (s >= 0) step.reads.push_back(s);
      }
    }
    program.steps.push_back(std::move(step));
  }
  return program;
}

MemoryPlan plan_memory(const std::vector<sluice_graph_node>& nodes, const GraphProgram& program,
                       int32_t output_node, const std::vector<std::array<int64_t, 4>>& weight_dims,
                       int32_t n_tokens, int32_t n_outputs) {
  MemoryPlan plan;
  plan.n_tokens = n_tokens;
  plan.n_outputs = n_outputs;
  const size_t n = nodes.size();
  plan.dims.resize(n);
  for (size_t i = 0; i < n; ++i) {
    if (nodes[i].op == SLUICE_OP_WEIGHT) {
      plan.dims[i] = weight_dims[i];
    } else {
      for (int d = 0; d < 4; ++d) plan.dims[i][d] = resolve(nodes[i].dims[d], n_tokens, n_outputs);
    }
  }
  // Lifetimes in steps: from the step that writes a buffer to the last one reading it.
  std::vector<int32_t> first(n, -1), last(n, -1);
  for (size_t s = 0; s < program.steps.size(); ++s) {
    const Step& step = program.steps[s];
    for (int32_t w : step.writes) {
      const int32_t r = program.root[static_cast<size_t>(w)];
      if (r >= 0 && first[static_cast<size_t>(r)] < 0)
        first[static_cast<size_t>(r)] = static_cast<int32_t>(s);
    }
    for (int32_t rd : step.reads) {
      const int32_t r = program.root[static_cast<size_t>(rd)];
      if (r >= 0)
        last[static_cast<size_t>(r)] =
            std::max(last[static_cast<size_t>(r)], static_cast<int32_t>(s));
    }
  }
  if (const int32_t r = program.root[static_cast<size_t>(output_node)]; r >= 0) {
    last[static_cast<size_t>(r)] = INT32_MAX;
  }
  std::vector<std::vector<int32_t>> frees(program.steps.size());
  for (size_t i = 0; i < n; ++i) {
    if (first[i] < 0) continue;
    const int32_t end = std::max(first[i], last[i]);
    if (end != INT32_MAX) frees[static_cast<size_t>(end)].push_back(static_cast<int32_t>(i));
  }
  auto bytes_of = [&](size_t i) {
    const auto& d = plan.dims[i];
    const size_t bytes = static_cast<size_t>(d[0] * d[1] * d[2] * d[3]) * sizeof(float);
    return (bytes + 63) / 64 * 64;  // cache-line aligned buffers
  };
  plan.offset.assign(n, MemoryPlan::kNone);
  ArenaAllocator arena;
  for (size_t s = 0; s < program.steps.size(); ++s) {
    for (int32_t w : program.steps[s].writes) {
      const auto r = static_cast<size_t>(program.root[static_cast<size_t>(w)]);
      if (plan.offset[r] == MemoryPlan::kNone) plan.offset[r] = arena.allocate(bytes_of(r));
    }
    for (int32_t f : frees[s])
      arena.release(plan.offset[static_cast<size_t>(f)], bytes_of(static_cast<size_t>(f)));
  }
  plan.arena_bytes = arena.size();
  return plan;
}

}  // namespace sluice::cpu
