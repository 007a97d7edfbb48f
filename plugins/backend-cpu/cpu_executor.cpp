#include "cpu_executor.hpp"

#include <cstring>
#include <vector>

#include "cpu_ops.hpp"
#include "kernels/cpu/quant.hpp"

namespace sluice::cpu {
namespace {

struct Value {
  const float* f32 = nullptr;      // activations
  const int32_t* i32 = nullptr;    // token ids / positions
  const Weight* weight = nullptr;  // SLUICE_OP_WEIGHT
  int64_t dims[4] = {1, 1, 1, 1};
  std::vector<float> owned;
  int64_t count() const { return dims[0] * dims[1] * dims[2] * dims[3]; }
};

int64_t resolve(int64_t d, const sluice_batch& b) {
  if (d == SLUICE_DIM_TOKENS) return b.n_tokens;
  if (d == SLUICE_DIM_OUTPUTS) return b.n_outputs;
  return d;
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

void execute_graph(const sluice_backend_graph& graph, sluice_backend_kv& kv,
                   const sluice_batch& batch, sluice_batch_output& out,
                   const sluice_host_api* host) {
  validate_batch(batch, kv);
  ThreadPool& threads = graph.model->ctx->pool;
  std::vector<Value> values(graph.nodes.size());
  std::vector<float> scratch;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (host != nullptr && batch.cancel != nullptr && host->is_cancelled(host, batch.cancel)) {
      throw InvalidBatch{"cancelled"};
    }
    const sluice_graph_node& n = graph.nodes[i];
    Value& v = values[i];
    for (int d = 0; d < 4; ++d) v.dims[d] = resolve(n.dims[d], batch);
    auto src = [&](int k) -> Value& { return values[static_cast<size_t>(n.src[k])]; };
    auto alloc = [&] {
      v.owned.assign(static_cast<size_t>(v.count()), 0.0f);
      v.f32 = v.owned.data();
      return v.owned.data();
    };
    switch (n.op) {
      case SLUICE_OP_INPUT_TOKENS: v.i32 = batch.token_ids; break;
      case SLUICE_OP_INPUT_POSITIONS: v.i32 = batch.positions; break;
      case SLUICE_OP_WEIGHT: {
        v.weight = &graph.model->weights[static_cast<size_t>(n.iparams[0])];
        if (v.weight->dtype == SLUICE_DTYPE_F32) v.f32 = static_cast<const float*>(v.weight->data);
        for (int d = 0; d < 4; ++d) v.dims[d] = v.weight->dims[d];
        break;
      }
      case SLUICE_OP_GET_ROWS: op_get_rows(*src(0).weight, src(1).i32, v.dims[1], alloc()); break;
      case SLUICE_OP_RMS_NORM:
        op_rms_norm(src(0).f32, v.dims[0], v.count() / v.dims[0], n.fparams[0], alloc());
        break;
      case SLUICE_OP_MATMUL:
        op_matmul(*src(0).weight, src(1).f32, v.dims[1], alloc(), threads);
        break;
      case SLUICE_OP_ADD:
      case SLUICE_OP_MUL: {
        Value& b = src(1);
        const float* bdata = b.f32;
        if (bdata == nullptr && b.weight != nullptr) {
          scratch.resize(static_cast<size_t>(b.count()));
          kernels::dequantize_row(static_cast<kernels::GgmlType>(b.weight->dtype), b.weight->data,
                                  scratch.data(), b.count());
          bdata = scratch.data();
        }
        op_binary(n.op, src(0).f32, src(0).dims, bdata, b.dims, alloc());
        break;
      }
      case SLUICE_OP_RESHAPE: {
        if (src(0).count() != v.count()) throw InvalidBatch{"reshape changes the element count"};
        v.f32 = src(0).f32;
        break;
      }
      case SLUICE_OP_ROPE: {
        float* o = alloc();
        std::memcpy(o, src(0).f32, static_cast<size_t>(v.count()) * 4);
        const float* factors = n.src[2] >= 0 ? src(2).f32 : nullptr;
        op_rope(o, v.dims[0], v.dims[1], v.dims[2], src(1).i32, factors, n);
        break;
      }
      case SLUICE_OP_SILU_MUL: op_silu_mul(src(0).f32, src(1).f32, v.count(), alloc()); break;
      case SLUICE_OP_ATTENTION: {
        const Value& q = src(0);
        const Value& k = src(1);
        op_attention(q.f32, k.f32, src(2).f32, q.dims[0], q.dims[1], k.dims[1], batch, kv,
                     static_cast<uint32_t>(n.iparams[0]), n.fparams[0], n.fparams[1], threads,
                     alloc());
        break;
      }
      case SLUICE_OP_OUTPUT_ROWS: {
        float* o = alloc();
        const int64_t d = v.dims[0];
        for (int32_t r = 0; r < batch.n_outputs; ++r) {
          std::memcpy(o + r * d, src(0).f32 + batch.output_rows[r] * d, static_cast<size_t>(d) * 4);
        }
        break;
      }
      case SLUICE_OP_SCALE: op_scale(src(0).f32, v.count(), n.fparams[0], alloc()); break;
      default: throw InvalidBatch{"unsupported op"};
    }
    // Free what no later node reads (views keep their source alive through last_use).
    for (int32_t s : n.src) {
      if (s >= 0 && graph.last_use[static_cast<size_t>(s)] == static_cast<int32_t>(i) &&
          s != graph.output_node) {
        std::vector<float>().swap(values[static_cast<size_t>(s)].owned);
      }
    }
  }
  const Value& logits = values[static_cast<size_t>(graph.output_node)];
  const size_t count = static_cast<size_t>(logits.count());
  if (out.logits != nullptr) {
    if (out.logits_capacity < count) throw InvalidBatch{"logits buffer too small"};
    std::memcpy(out.logits, logits.f32, count * 4);
  }
}

}  // namespace sluice::cpu
