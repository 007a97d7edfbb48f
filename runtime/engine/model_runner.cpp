#include "engine/model_runner.hpp"

#include <algorithm>

namespace sluice::engine {

ModelRunner::ModelRunner(std::shared_ptr<plugin_host::PluginLibrary> backend,
                         const model::GgufFile& file, const model::ModelDescription& desc,
                         const RunnerOptions& options)
    : backend_(std::move(backend)), desc_(desc), options_(options) {
  if (backend_->kind() != SLUICE_KIND_BACKEND) {
    throw RunnerError(SLUICE_ERR_INVALID_ARG, "plugin '" + backend_->name() + "' is not a backend");
  }
  vt_ = &backend_->vtable<sluice_backend_vtable>();
  graph_ = model::build_model_graph(file, desc_);
  n_ctx_ = options_.n_ctx != 0 ? options_.n_ctx : std::min<uint32_t>(desc_.n_ctx_train, 4096);
  n_blocks_ = options_.n_blocks != 0 ? options_.n_blocks
                                     : (n_ctx_ + options_.block_size - 1) / options_.block_size;

  try {
    const std::string config =
        options_.threads > 0 ? "{\"threads\": " + std::to_string(options_.threads) + "}" : "{}";
    sluice_error* error = nullptr;
    const sluice_status context_status = vt_->context_create(
        0, config.c_str(), config.size(), &ctx_, &error);  // before reading `error`
    check(context_status, error, "context_create");

    std::vector<sluice_tensor_desc> tensors = graph_.weights;
    for (size_t i = 0; i < tensors.size(); ++i) tensors[i].name = graph_.weight_names[i].c_str();
    sluice_model_desc model_desc;
    SLUICE_INIT(sluice_model_desc, &model_desc);
    model_desc.arch = desc_.arch_name.c_str();
    model_desc.tensors = tensors.data();
    model_desc.n_tensors = tensors.size();
    error = nullptr;
    const sluice_status model_status =
        vt_->model_load(ctx_, &model_desc, &model_, &error);  // before reading `error`
    check(model_status, error, "model_load");

    sluice_kv_desc kv;
    SLUICE_INIT(sluice_kv_desc, &kv);
    kv.dtype = options_.kv_dtype;
    kv.n_layers = desc_.n_layer;
    kv.n_kv_heads = desc_.n_head_kv;
    kv.head_dim_k = desc_.head_dim_k;
    kv.head_dim_v = desc_.head_dim_v;
    kv.block_size = options_.block_size;
    kv.n_blocks = n_blocks_;
    error = nullptr;
    const sluice_status kv_status =
        vt_->kv_create(model_, &kv, &kv_, &error);  // before reading `error`
    check(kv_status, error, "kv_create");

    const sluice_graph g = graph_.as_abi();
    error = nullptr;
    const sluice_status compile_status =
        vt_->graph_compile(model_, &g, &compiled_, &error);  // before reading `error`
    check(compile_status, error, "graph_compile");
  } catch (...) {
    release();
    throw;
  }
}

ModelRunner::~ModelRunner() {
  release();
}

void ModelRunner::release() {
  // Children before parents, as the ABI requires; each destroy accepts NULL.
  vt_->graph_destroy(compiled_);
  vt_->kv_destroy(kv_);
  vt_->model_destroy(model_);
  vt_->context_destroy(ctx_);
  compiled_ = nullptr;
  kv_ = nullptr;
  model_ = nullptr;
  ctx_ = nullptr;
}

const std::string& ModelRunner::backend_name() const {
  return backend_->name();
}

void ModelRunner::check(sluice_status status, sluice_error* error, const char* what) {
  plugin_host::CallResult r = plugin_host::take_error(status, error);
  if (!r.ok()) {
    throw RunnerError(r.status, backend_->name() + " " + what + ": " +
                                    plugin_host::status_name(r.status) + ": " + r.message);
  }
}

std::span<const float> ModelRunner::run(const std::vector<SeqSlice>& batch,
                                        const sluice_cancel_token* cancel) {
  std::vector<int32_t> tokens, positions, block_table, output_rows;
  std::vector<sluice_batch_seq> seqs;
  for (const SeqSlice& s : batch) {
    if (s.tokens.empty()) throw RunnerError(SLUICE_ERR_INVALID_ARG, "a sequence with no tokens");
    if (static_cast<uint64_t>(s.n_past) + s.tokens.size() > n_ctx_) {
      throw RunnerError(SLUICE_ERR_INVALID_ARG, "sequence " + std::to_string(s.seq_id) + " needs " +
                                                    std::to_string(s.n_past + s.tokens.size()) +
                                                    " positions, the context holds " +
                                                    std::to_string(n_ctx_));
    }
    sluice_batch_seq seq;
    SLUICE_INIT(sluice_batch_seq, &seq);
    seq.seq_id = s.seq_id;
    seq.token_begin = static_cast<int32_t>(tokens.size());
    seq.n_tokens = static_cast<int32_t>(s.tokens.size());
    seq.n_past = s.n_past;
    seq.block_table_begin = static_cast<int32_t>(block_table.size());
    seq.n_blocks = static_cast<int32_t>(s.blocks.size());
    for (size_t j = 0; j < s.tokens.size(); ++j) {
      if (s.all_logits || (s.last_logits && j + 1 == s.tokens.size()))
        output_rows.push_back(static_cast<int32_t>(tokens.size()));
      tokens.push_back(s.tokens[j]);
      positions.push_back(s.n_past + static_cast<int32_t>(j));
    }
    block_table.insert(block_table.end(), s.blocks.begin(), s.blocks.end());
    seqs.push_back(seq);
  }
  // A batch of prefill chunks alone needs no logits; backends are still asked for one row
  // so a graph never has an empty output.
  const bool no_outputs = output_rows.empty();
  if (no_outputs) output_rows.push_back(static_cast<int32_t>(tokens.size()) - 1);
  sluice_batch b;
  SLUICE_INIT(sluice_batch, &b);
  b.n_tokens = static_cast<int32_t>(tokens.size());
  b.n_seqs = static_cast<int32_t>(seqs.size());
  b.token_ids = tokens.data();
  b.positions = positions.data();
  b.seqs = seqs.data();
  b.block_table = block_table.data();
  b.n_block_table = block_table.size();
  b.n_outputs = static_cast<int32_t>(output_rows.size());
  b.output_rows = output_rows.data();
  b.cancel = cancel;

  const size_t n_logits = output_rows.size() * desc_.n_vocab;
  if (logits_.size() < n_logits) logits_.resize(n_logits);
  sluice_batch_output out;
  SLUICE_INIT(sluice_batch_output, &out);
  out.logits = logits_.data();
  out.logits_capacity = n_logits;
  sluice_error* error = nullptr;
  const sluice_status execute_status =
      vt_->execute(compiled_, kv_, &b, &out, &error);  // before reading `error`
  check(execute_status, error, "execute");
  if (no_outputs) return {};
  return {logits_.data(), n_logits};
}

}  // namespace sluice::engine
