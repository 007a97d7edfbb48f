// One model on one backend plugin: the backend context, the loaded weights, the paged
// KV pool and the compiled step graph, behind a C++ interface. The engine (and, for one
// sequence at a time, `sluice run`) feeds it ragged batches.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "model/graph_builder.hpp"
#include "model/model_description.hpp"
#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "sluice/backend.h"

namespace sluice::engine {

struct RunnerOptions {
  int32_t threads = 0;       // 0: the backend's default
  uint32_t block_size = 16;  // tokens per KV block
  uint32_t n_blocks = 0;     // 0: enough for n_ctx tokens
  uint32_t n_ctx = 0;        // 0: the model's training context, at most 4096
  int32_t kv_dtype = SLUICE_DTYPE_F16;
};

// One sequence's share of a batch.
struct SeqSlice {
  uint64_t seq_id = 0;
  std::vector<int32_t> tokens;  // this step's tokens
  int32_t n_past = 0;           // tokens already in the cache
  std::vector<int32_t> blocks;  // block table covering n_past + tokens.size()
  bool all_logits = false;      // logits for every token (teacher forcing), else the last
  bool last_logits = true;      // the last token's logits (false: a prefill chunk that
                                // does not end the pending tokens)
};

class RunnerError : public std::runtime_error {
 public:
  RunnerError(sluice_status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  sluice_status status() const { return status_; }

 private:
  sluice_status status_;
};

class ModelRunner {
 public:
  // Throws RunnerError (backend refused something) or model::GgufError (graph building).
  ModelRunner(std::shared_ptr<plugin_host::PluginLibrary> backend, const model::GgufFile& file,
              const model::ModelDescription& desc, const RunnerOptions& options);
  ~ModelRunner();
  ModelRunner(const ModelRunner&) = delete;
  ModelRunner& operator=(const ModelRunner&) = delete;

  // Runs one step. Returns the logits of the asked-for rows, row after row ([n_vocab]
  // each) in batch order, in a buffer the runner reuses: valid until the next run.
  // Throws RunnerError.
  std::span<const float> run(const std::vector<SeqSlice>& batch,
                             const sluice_cancel_token* cancel = nullptr);

  uint32_t n_blocks() const { return n_blocks_; }
  uint32_t block_size() const { return options_.block_size; }
  uint32_t n_ctx() const { return n_ctx_; }
  int32_t n_vocab() const { return static_cast<int32_t>(desc_.n_vocab); }
  const std::string& backend_name() const;

 private:
  void check(sluice_status status, sluice_error* error, const char* what);
  void release();

  std::shared_ptr<plugin_host::PluginLibrary> backend_;
  const sluice_backend_vtable* vt_;
  model::ModelDescription desc_;
  RunnerOptions options_;
  model::ModelGraph graph_;
  uint32_t n_ctx_ = 0;
  uint32_t n_blocks_ = 0;
  sluice_backend_context* ctx_ = nullptr;
  // Logits of the last run: kept, since a batched step's rows of a large vocabulary are
  // megabytes that a fresh vector would zero and often fault in again every step.
  std::vector<float> logits_;
  sluice_backend_model* model_ = nullptr;
  sluice_backend_kv* kv_ = nullptr;
  sluice_backend_graph* compiled_ = nullptr;
};

}  // namespace sluice::engine
