#include "cpu_executor.hpp"

#include <cstring>
#include <vector>

#include "cpu_ops.hpp"
#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/quant.hpp"
#include "matmul_op.hpp"

namespace sluice::cpu {
namespace {

// Sources an op cannot run without (rope's frequency factors are optional).
int required_sources(int32_t op) {
  switch (op) {
    case SLUICE_OP_INPUT_TOKENS:
    case SLUICE_OP_INPUT_POSITIONS:
    case SLUICE_OP_WEIGHT: return 0;
    case SLUICE_OP_GET_ROWS:
    case SLUICE_OP_MATMUL:
    case SLUICE_OP_ADD:
    case SLUICE_OP_MUL:
    case SLUICE_OP_SILU_MUL:
    case SLUICE_OP_ROPE: return 2;
    case SLUICE_OP_ATTENTION: return 3;
    default: return 1;
  }
}

void validate_batch(const sluice_batch& b, const sluice_backend_kv& kv) {
  if (b.n_tokens <= 0 || b.n_seqs <= 0 || b.token_ids == nullptr || b.positions == nullptr ||
      b.seqs == nullptr) {
    throw InvalidBatch{"empty or incomplete batch"};
  }
  if (b.n_outputs < 0 || b.n_outputs > b.n_tokens ||
      (b.n_outputs > 0 && b.output_rows == nullptr)) {
    throw InvalidBatch{"bad output rows"};
  }
  for (int32_t i = 0; i < b.n_outputs; ++i) {
    if (b.output_rows[i] < 0 || b.output_rows[i] >= b.n_tokens ||
        (i > 0 && b.output_rows[i] <= b.output_rows[i - 1])) {
      throw InvalidBatch{"output rows must be ascending rows of the batch"};
    }
  }
  const auto& g = kv.geometry;
  int32_t next_row = 0;
  for (int32_t s = 0; s < b.n_seqs; ++s) {
    const sluice_batch_seq& seq = *SLUICE_ARRAY_ELEM(sluice_batch_seq, b.seqs, s);
    if (seq.token_begin != next_row || seq.n_tokens <= 0 || seq.n_past < 0) {
      throw InvalidBatch{"sequence " + std::to_string(s) +
                         " does not cover the next rows of the batch"};
    }
    next_row += seq.n_tokens;
    const int64_t needed =
        (static_cast<int64_t>(seq.n_past) + seq.n_tokens + g.block_size - 1) / g.block_size;
    if (seq.n_blocks < needed || seq.block_table_begin < 0 ||
        static_cast<size_t>(seq.block_table_begin) + static_cast<size_t>(seq.n_blocks) >
            b.n_block_table) {
      throw InvalidBatch{"sequence " + std::to_string(s) +
                         "'s block table does not cover its positions"};
    }
    for (int32_t i = 0; i < seq.n_blocks; ++i) {
      const int32_t block = b.block_table[seq.block_table_begin + i];
      if (block < 0 || static_cast<uint32_t>(block) >= g.n_blocks) {
        throw InvalidBatch{"block id " + std::to_string(block) + " is outside the KV pool"};
      }
    }
    for (int32_t j = 0; j < seq.n_tokens; ++j) {
      if (b.positions[seq.token_begin + j] != seq.n_past + j) {
        throw InvalidBatch{"positions must continue each sequence's cache"};
      }
    }
  }
  if (next_row != b.n_tokens) throw InvalidBatch{"sequences do not cover every row"};
}

}  // namespace

std::string check_graph(const sluice_backend_model& model, const sluice_graph& graph) {
  if (graph.nodes == nullptr || graph.n_nodes == 0) return "empty graph";
  if (graph.output_node < 0 || static_cast<size_t>(graph.output_node) >= graph.n_nodes)
    return "bad output node";
  for (size_t i = 0; i < graph.n_nodes; ++i) {
    const sluice_graph_node& n = *SLUICE_ARRAY_ELEM(sluice_graph_node, graph.nodes, i);
    const std::string where = "node " + std::to_string(i);
    if (n.op < SLUICE_OP_INPUT_TOKENS || n.op > SLUICE_OP_SCALE)
      return where + ": op " + std::to_string(n.op) + " is not supported";
    for (int32_t s : n.src) {
      if (s >= static_cast<int32_t>(i)) return where + ": reads a later node";
    }
    // Required sources, and the kinds of node some ops need as sources.
    const int n_src = required_sources(n.op);
    for (int k = 0; k < n_src; ++k) {
      if (n.src[k] < 0) return where + ": source " + std::to_string(k) + " is missing";
    }
    auto src_op = [&](int k) {
      return SLUICE_ARRAY_ELEM(sluice_graph_node, graph.nodes, static_cast<size_t>(n.src[k]))->op;
    };
    if ((n.op == SLUICE_OP_MATMUL || n.op == SLUICE_OP_GET_ROWS) && src_op(0) != SLUICE_OP_WEIGHT)
      return where + ": the first source must be a weight";
    if ((n.op == SLUICE_OP_GET_ROWS || n.op == SLUICE_OP_ROPE) &&
        src_op(1) != SLUICE_OP_INPUT_TOKENS && src_op(1) != SLUICE_OP_INPUT_POSITIONS)
      return where + ": the second source must be an input";
    if (n.op == SLUICE_OP_ATTENTION &&
        (n.dims[0] <= 0 || n.src[0] < 0 ||
         SLUICE_ARRAY_ELEM(sluice_graph_node, graph.nodes, static_cast<size_t>(n.src[0]))->dims[0] >
             kernels::kMaxAttentionHeadDim))
      return where + ": head dim above " + std::to_string(kernels::kMaxAttentionHeadDim);
    if (n.op == SLUICE_OP_WEIGHT) {
      if (n.iparams[0] < 0 || static_cast<size_t>(n.iparams[0]) >= model.weights.size())
        return where + ": no such weight";
      const int32_t dtype = model.weights[static_cast<size_t>(n.iparams[0])].dtype;
      if (!supports_weight_type(dtype))
        return where + ": weight type " + std::to_string(dtype) + " is not supported";
    }
  }
  return {};
}

namespace {

// The plan for this batch shape: cached, since a server alternates between a few shapes
// (decode steps, prefill chunks) and planning walks the whole graph.
const MemoryPlan& plan_for(sluice_backend_graph& graph, int32_t n_tokens, int32_t n_outputs) {
  auto& plans = graph.state.plans;
  for (size_t i = 0; i < plans.size(); ++i) {
    if (plans[i].n_tokens == n_tokens && plans[i].n_outputs == n_outputs) {
      if (i != 0) std::swap(plans[0], plans[i]);
      return plans[0];
    }
  }
  constexpr size_t kMaxPlans = 8;
  if (plans.size() == kMaxPlans) plans.pop_back();
  plans.insert(plans.begin(), plan_memory(graph.nodes, graph.program, graph.output_node,
                                          graph.weight_dims, n_tokens, n_outputs));
  return plans[0];
}

}  // namespace

void execute_graph(sluice_backend_graph& graph, sluice_backend_kv& kv, const sluice_batch& batch,
                   sluice_batch_output& out, const sluice_host_api* host) {
  validate_batch(batch, kv);
  ThreadPool& threads = graph.model->ctx->pool;
  ExecState& state = graph.state;
  const MemoryPlan& plan = plan_for(graph, batch.n_tokens, batch.n_outputs);
  uint8_t* arena = state.arena.reserve(plan.arena_bytes);
  const auto& nodes = graph.nodes;
  const auto& root = graph.program.root;
  state.rope.valid = false;  // positions change with every batch

  // Logits go straight into the caller's buffer when it is large enough.
  const int32_t out_root = root[static_cast<size_t>(graph.output_node)];
  const auto& out_dims = plan.dims[static_cast<size_t>(graph.output_node)];
  const size_t logits_count =
      static_cast<size_t>(out_dims[0] * out_dims[1] * out_dims[2] * out_dims[3]);
  if (out.logits != nullptr && out.logits_capacity < logits_count) {
    throw InvalidBatch{"logits buffer too small"};
  }
  float* direct_logits = out_root == graph.output_node ? out.logits : nullptr;

  auto weight = [&](int32_t node) -> const Weight& {
    return graph.model->weights[static_cast<size_t>(nodes[static_cast<size_t>(node)].iparams[0])];
  };
  auto dims = [&](int32_t node) { return plan.dims[static_cast<size_t>(node)].data(); };
  auto count = [&](int32_t node) {
    const int64_t* d = dims(node);
    return d[0] * d[1] * d[2] * d[3];
  };
  auto f32 = [&](int32_t node) -> float* {
    const sluice_graph_node& n = nodes[static_cast<size_t>(node)];
    if (n.op == SLUICE_OP_WEIGHT) {
      const Weight& w = weight(node);
      if (w.dtype == SLUICE_DTYPE_F32) return static_cast<float*>(const_cast<void*>(w.data));
      const int64_t c = w.dims[0] * w.dims[1] * w.dims[2] * w.dims[3];
      state.dequantized.resize(static_cast<size_t>(c));
      kernels::dequantize_row(static_cast<kernels::GgmlType>(w.dtype), w.data,
                              state.dequantized.data(), c);
      return state.dequantized.data();
    }
    const int32_t r = root[static_cast<size_t>(node)];
    if (r < 0) throw InvalidBatch{"node " + std::to_string(node) + " has no F32 result"};
    if (r == out_root && direct_logits != nullptr) return direct_logits;
    return reinterpret_cast<float*>(arena + plan.offset[static_cast<size_t>(r)]);
  };
  auto i32 = [&](int32_t node) -> const int32_t* {
    const int32_t op = nodes[static_cast<size_t>(node)].op;
    if (op == SLUICE_OP_INPUT_TOKENS) return batch.token_ids;
    if (op == SLUICE_OP_INPUT_POSITIONS) return batch.positions;
    throw InvalidBatch{"node " + std::to_string(node) + " is not an I32 input"};
  };
  auto cancelled = [&] {
    return host != nullptr && batch.cancel != nullptr && host->is_cancelled(host, batch.cancel);
  };
  if (cancelled()) throw InvalidBatch{"cancelled"};

  std::vector<MatmulMember> members;
  for (const Step& step : graph.program.steps) {
    const sluice_graph_node& n = nodes[static_cast<size_t>(step.node)];
    auto src = [&](int k) { return n.src[k]; };
    switch (step.kind) {
      case StepKind::get_rows:
        op_get_rows(weight(src(0)), i32(src(1)), dims(step.out)[1], f32(step.out));
        break;
      case StepKind::rms_norm: {
        const int64_t d = dims(step.node)[0];
        op_rms_norm(f32(src(0)), d, count(step.node) / d, n.fparams[0],
                    step.norm_weight >= 0 ? f32(step.norm_weight) : nullptr, f32(step.out));
        break;
      }
      case StepKind::binary: {
        const float* b = f32(src(1));
        op_binary(n.op, f32(src(0)), dims(src(0)), b, dims(src(1)), f32(step.out));
        break;
      }
      case StepKind::matmul: {
        members.clear();
        for (int32_t m : step.members) {
          float* y = nullptr;  // the silu epilogue writes only step.out
          if (step.epilogue == Epilogue::none) y = f32(m);
          if (step.epilogue == Epilogue::add_residual) y = f32(step.out);
          members.push_back({&weight(nodes[static_cast<size_t>(m)].src[0]), y});
        }
        run_matmul_group(members, f32(src(1)), dims(step.members[0])[1], step.epilogue,
                         step.residual >= 0 ? f32(step.residual) : nullptr,
                         step.out >= 0 ? f32(step.out) : nullptr, threads, state.matmul);
        break;
      }
      case StepKind::rope: {
        const int64_t* d = dims(step.out);
        const float* factors = src(2) >= 0 ? f32(src(2)) : nullptr;
        prepare_rope(state.rope, i32(src(1)), d[2], factors, n);
        op_rope(f32(src(0)), f32(step.out), d[0], d[1], d[2], state.rope, n.iparams[0]);
        break;
      }
      case StepKind::silu_mul:
        op_silu_mul(f32(src(0)), f32(src(1)), count(step.out), f32(step.out));
        break;
      case StepKind::attention: {
        if (cancelled()) throw InvalidBatch{"cancelled"};  // once per layer
        const int64_t* qd = dims(src(0));
        op_attention(f32(src(0)), f32(src(1)), f32(src(2)), qd[0], qd[1], dims(src(1))[1], batch,
                     kv, static_cast<uint32_t>(n.iparams[0]), n.fparams[0], n.fparams[1], threads,
                     state.attention, f32(step.out));
        break;
      }
      case StepKind::output_rows: {
        float* o = f32(step.out);
        const float* x = f32(src(0));
        const int64_t d = dims(step.out)[0];
        for (int32_t r = 0; r < batch.n_outputs; ++r) {
          std::memcpy(o + r * d, x + batch.output_rows[r] * d, static_cast<size_t>(d) * 4);
        }
        break;
      }
      case StepKind::scale:
        op_scale(f32(src(0)), count(step.out), n.fparams[0], f32(step.out));
        break;
    }
  }
  if (out.logits != nullptr && direct_logits == nullptr) {
    std::memcpy(out.logits, f32(graph.output_node), logits_count * 4);
  }
}

}  // namespace sluice::cpu
