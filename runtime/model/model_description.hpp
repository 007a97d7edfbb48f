// What a GGUF model is: its architecture and hyperparameters, read into one typed
// struct. Architectures Sluice does not know are a clear error, never a guess.
#pragma once

#include <cstdint>
#include <string>

#include "model/gguf_file.hpp"

namespace sluice::model {

enum class Architecture { llama, qwen2, qwen3, phi3, gemma2 };

// "llama", "qwen2", ...
const char* architecture_name(Architecture arch);

struct RopeScaling {
  std::string type = "none";  // none, linear, yarn (from {arch}.rope.scaling.type)
  double factor = 1.0;
  uint32_t original_context_length = 0;
};

struct ModelDescription {
  Architecture arch = Architecture::llama;
  std::string arch_name;  // general.architecture as written
  std::string name;       // general.name, may be empty

  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 0;
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim_k = 0;  // {arch}.attention.key_length, default n_embd / n_head
  uint32_t head_dim_v = 0;
  uint32_t n_ff = 0;
  uint32_t n_rot = 0;  // {arch}.rope.dimension_count, default head_dim_k
  float rms_norm_eps = 1e-5f;
  float rope_freq_base = 10000.0f;
  RopeScaling rope_scaling;

  bool tied_output = false;     // no output.weight: the embedding matrix projects to logits
  bool has_qkv_bias = false;    // qwen2: biases on q, k, v
  bool has_qk_norm = false;     // qwen3: RMS norm on q and k per head
  bool has_rope_freqs = false;  // Llama 3.1+: per-dimension frequency factors (rope_freqs.weight)

  // gemma2
  float attn_logit_softcap = 0.0f;
  float final_logit_softcap = 0.0f;
  uint32_t sliding_window = 0;

  // Tokenizer and template, as far as the metadata says.
  std::string tokenizer_model;  // tokenizer.ggml.model: "llama" (SPM), "gpt2" (BPE), ...
  std::string tokenizer_pre;    // tokenizer.ggml.pre
  bool has_chat_template = false;

  uint64_t n_params = 0;  // elements over all tensors

  // Throws GgufError: unsupported (unknown architecture), missing_key, wrong_type,
  // bad_value (inconsistent shapes).
  static ModelDescription from_gguf(const GgufFile& file);
};

}  // namespace sluice::model
