#include "model/graph_builder.hpp"

#include "model/arch/architectures.hpp"

namespace sluice::model {

sluice_graph ModelGraph::as_abi() const {
  sluice_graph g;
  SLUICE_INIT(sluice_graph, &g);
  g.output_node = output_node;
  g.nodes = nodes.data();
  g.n_nodes = nodes.size();
  return g;
}

int32_t GraphBuilder::push(int32_t op, std::vector<int32_t> src, std::vector<int64_t> dims) {
  sluice_graph_node n;
  SLUICE_INIT(sluice_graph_node, &n);
  n.op = op;
  n.dtype = SLUICE_DTYPE_F32;
  for (int i = 0; i < 4; ++i)
    n.src[i] = i < static_cast<int>(src.size()) ? src[static_cast<size_t>(i)] : -1;
  n.n_dims = static_cast<int32_t>(dims.size());
  for (int i = 0; i < 4; ++i) n.dims[i] = i < n.n_dims ? dims[static_cast<size_t>(i)] : 1;
  graph_.nodes.push_back(n);
  return static_cast<int32_t>(graph_.nodes.size() - 1);
}

int32_t GraphBuilder::weight(const std::string& name, std::vector<int64_t> expected) {
  const GgufTensorInfo* t = file_.find_tensor(name);
  if (t == nullptr) {
    throw GgufError(GgufError::Code::missing_key, name, GgufError::kNoOffset,
                    "required tensor is missing");
  }
  for (size_t d = 0; d < kGgufMaxDims; ++d) {
    const int64_t want = d < expected.size() ? expected[d] : 1;
    if (static_cast<int64_t>(t->dims[d]) != want) {
      std::string shape, wanted;
      for (size_t i = 0; i < t->n_dims; ++i) shape += (i ? ", " : "") + std::to_string(t->dims[i]);
      for (size_t i = 0; i < expected.size(); ++i)
        wanted += (i ? ", " : "") + std::to_string(expected[i]);
      throw GgufError(GgufError::Code::bad_value, name, GgufError::kNoOffset,
                      "shape [" + shape + "], the hyperparameters need [" + wanted + "]");
    }
  }
  sluice_tensor_desc w;
  SLUICE_INIT(sluice_tensor_desc, &w);
  w.dtype = static_cast<int32_t>(t->type);
  w.n_dims = static_cast<int32_t>(t->n_dims);
  for (size_t d = 0; d < kGgufMaxDims; ++d) w.dims[d] = static_cast<int64_t>(t->dims[d]);
  w.data = t->data;
  w.size_bytes = t->size_bytes;
  graph_.weight_names.push_back(name);
  graph_.weights.push_back(w);
  const int32_t index = push(SLUICE_OP_WEIGHT, {}, expected);
  graph_.nodes.back().dtype = w.dtype;
  graph_.nodes.back().iparams[0] = static_cast<int32_t>(graph_.weights.size() - 1);
  return index;
}

int32_t GraphBuilder::input_tokens() {
  const int32_t i = push(SLUICE_OP_INPUT_TOKENS, {}, {SLUICE_DIM_TOKENS});
  graph_.nodes.back().dtype = SLUICE_DTYPE_I32;
  return i;
}

int32_t GraphBuilder::input_positions() {
  const int32_t i = push(SLUICE_OP_INPUT_POSITIONS, {}, {SLUICE_DIM_TOKENS});
  graph_.nodes.back().dtype = SLUICE_DTYPE_I32;
  return i;
}

int32_t GraphBuilder::get_rows(int32_t table, int32_t ids, int64_t width) {
  return push(SLUICE_OP_GET_ROWS, {table, ids}, {width, SLUICE_DIM_TOKENS});
}

int32_t GraphBuilder::rms_norm(int32_t x, int64_t width, float eps) {
  const int32_t i = push(SLUICE_OP_RMS_NORM, {x}, {width, node(x).dims[1]});
  graph_.nodes.back().fparams[0] = eps;
  return i;
}

int32_t GraphBuilder::matmul(int32_t w, int32_t x, int64_t out_rows, int64_t out_cols) {
  return push(SLUICE_OP_MATMUL, {w, x}, {out_rows, out_cols});
}

int32_t GraphBuilder::add(int32_t a, int32_t b) {
  const auto& n = node(a);
  return push(SLUICE_OP_ADD, {a, b}, {n.dims[0], n.dims[1], n.dims[2], n.dims[3]});
}

int32_t GraphBuilder::mul(int32_t a, int32_t b) {
  const auto& n = node(a);
  return push(SLUICE_OP_MUL, {a, b}, {n.dims[0], n.dims[1], n.dims[2], n.dims[3]});
}

int32_t GraphBuilder::reshape(int32_t x, std::vector<int64_t> dims) {
  return push(SLUICE_OP_RESHAPE, {x}, std::move(dims));
}

int32_t GraphBuilder::rope(int32_t x, int32_t positions, int32_t freq_factors, int32_t mode) {
  const auto& n = node(x);
  const int32_t i =
      push(SLUICE_OP_ROPE, {x, positions, freq_factors}, {n.dims[0], n.dims[1], n.dims[2]});
  auto& r = graph_.nodes.back();
  r.iparams[0] = mode;
  r.iparams[1] = static_cast<int32_t>(desc_.n_rot);
  r.iparams[2] = static_cast<int32_t>(desc_.rope_scaling.original_context_length);
  r.fparams[0] = desc_.rope_freq_base;
  r.fparams[1] = desc_.rope_scaling.type == "linear" && desc_.rope_scaling.factor > 0
                     ? static_cast<float>(1.0 / desc_.rope_scaling.factor)
                     : 1.0f;
  r.fparams[2] = 0.0f;   // ext_factor: YaRN only
  r.fparams[3] = 1.0f;   // attn_factor
  r.fparams[4] = 32.0f;  // beta_fast
  r.fparams[5] = 1.0f;   // beta_slow
  return i;
}

int32_t GraphBuilder::silu_mul(int32_t gate, int32_t up) {
  const auto& n = node(gate);
  return push(SLUICE_OP_SILU_MUL, {gate, up}, {n.dims[0], n.dims[1]});
}

int32_t GraphBuilder::attention(int32_t q, int32_t k, int32_t v, int32_t layer, float scale,
                                float softcap) {
  const auto& n = node(q);
  const int32_t i = push(SLUICE_OP_ATTENTION, {q, k, v}, {n.dims[0] * n.dims[1], n.dims[2]});
  graph_.nodes.back().iparams[0] = layer;
  graph_.nodes.back().fparams[0] = scale;
  graph_.nodes.back().fparams[1] = softcap;
  return i;
}

int32_t GraphBuilder::output_rows(int32_t x) {
  return push(SLUICE_OP_OUTPUT_ROWS, {x}, {node(x).dims[0], SLUICE_DIM_OUTPUTS});
}

int32_t GraphBuilder::scale(int32_t x, float factor) {
  const auto& n = node(x);
  const int32_t i = push(SLUICE_OP_SCALE, {x}, {n.dims[0], n.dims[1], n.dims[2], n.dims[3]});
  graph_.nodes.back().fparams[0] = factor;
  return i;
}

ModelGraph GraphBuilder::finish(int32_t logits) {
  graph_.output_node = logits;
  return std::move(graph_);
}

ModelGraph build_model_graph(const GgufFile& file, const ModelDescription& desc) {
  switch (desc.arch) {
    case Architecture::llama:
    case Architecture::qwen2: return build_llama_family_graph(file, desc);
    default:
      throw GgufError(GgufError::Code::unsupported, "general.architecture", GgufError::kNoOffset,
                      std::string("no graph builder for architecture '") +
                          architecture_name(desc.arch) + "' yet (runs: llama, qwen2)");
  }
}

}  // namespace sluice::model
