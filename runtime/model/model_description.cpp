#include "model/model_description.hpp"

#include <limits>

namespace sluice::model {
namespace {

using Code = GgufError::Code;

struct Reader {
  const GgufFile& file;
  std::string prefix;  // "llama."

  uint32_t required_u32(const std::string& key) const {
    const std::string full = prefix + key;
    return checked(full, file.require_int(full));
  }
  uint32_t optional_u32(const std::string& key, uint32_t fallback) const {
    const std::string full = prefix + key;
    const GgufValue* v = file.find(full);
    if (v != nullptr && v->type == GgufValueType::array) {
      throw GgufError(Code::unsupported, full, file.offset_of(full),
                      "per-layer values are not supported");
    }
    auto value = file.get_int(full);
    return value ? checked(full, *value) : fallback;
  }
  float optional_float(const std::string& key, float fallback) const {
    auto value = file.get_float(prefix + key);
    return value ? static_cast<float>(*value) : fallback;
  }
  uint32_t checked(const std::string& key, int64_t value) const {
    if (value < 0 || value > std::numeric_limits<uint32_t>::max()) {
      throw GgufError(Code::bad_value, key, file.offset_of(key),
                      std::to_string(value) + " is out of range");
    }
    return static_cast<uint32_t>(value);
  }
};

Architecture parse_architecture(const GgufFile& file, const std::string& name) {
  if (name == "llama") return Architecture::llama;
  if (name == "qwen2") return Architecture::qwen2;
  if (name == "qwen3") return Architecture::qwen3;
  if (name == "phi3") return Architecture::phi3;
  if (name == "gemma2") return Architecture::gemma2;
  throw GgufError(Code::unsupported, "general.architecture", file.offset_of("general.architecture"),
                  "architecture '" + name +
                      "' is not supported (supported: llama, qwen2, qwen3, phi3, gemma2)");
}

void require_positive(const GgufFile& file, const std::string& key, uint32_t value) {
  if (value == 0)
    throw GgufError(Code::bad_value, key, file.offset_of(key), "must be greater than 0");
}

}  // namespace

const char* architecture_name(Architecture arch) {
  switch (arch) {
    case Architecture::llama: return "llama";
    case Architecture::qwen2: return "qwen2";
    case Architecture::qwen3: return "qwen3";
    case Architecture::phi3: return "phi3";
    case Architecture::gemma2: return "gemma2";
  }
  return "unknown";
}

ModelDescription ModelDescription::from_gguf(const GgufFile& file) {
  ModelDescription d;
  d.arch_name = file.require_string("general.architecture");
  d.arch = parse_architecture(file, d.arch_name);
  d.name = file.get_string("general.name").value_or("");
  const Reader r{file, d.arch_name + "."};

  d.n_ctx_train = r.required_u32("context_length");
  d.n_embd = r.required_u32("embedding_length");
  d.n_layer = r.required_u32("block_count");
  d.n_ff = r.optional_u32("feed_forward_length", 0);
  d.n_head = r.required_u32("attention.head_count");
  d.n_head_kv = r.optional_u32("attention.head_count_kv", d.n_head);
  require_positive(file, r.prefix + "embedding_length", d.n_embd);
  require_positive(file, r.prefix + "block_count", d.n_layer);
  require_positive(file, r.prefix + "attention.head_count", d.n_head);
  require_positive(file, r.prefix + "attention.head_count_kv", d.n_head_kv);
  require_positive(file, r.prefix + "feed_forward_length", d.n_ff);
  if (d.n_head % d.n_head_kv != 0) {
    throw GgufError(Code::bad_value, r.prefix + "attention.head_count_kv",
                    file.offset_of(r.prefix + "attention.head_count_kv"),
                    std::to_string(d.n_head_kv) + " KV heads do not divide " +
                        std::to_string(d.n_head) + " heads");
  }
  const bool has_key_length = file.find(r.prefix + "attention.key_length") != nullptr;
  if (!has_key_length && d.n_embd % d.n_head != 0) {
    throw GgufError(Code::bad_value, r.prefix + "embedding_length",
                    file.offset_of(r.prefix + "embedding_length"),
                    "not a multiple of the head count");
  }
  d.head_dim_k = r.optional_u32("attention.key_length", d.n_embd / d.n_head);
  d.head_dim_v = r.optional_u32("attention.value_length", d.head_dim_k);
  require_positive(file, r.prefix + "attention.key_length", d.head_dim_k);
  d.n_rot = r.optional_u32("rope.dimension_count", d.head_dim_k);
  if (d.n_rot > d.head_dim_k) {
    throw GgufError(Code::bad_value, r.prefix + "rope.dimension_count",
                    file.offset_of(r.prefix + "rope.dimension_count"),
                    "larger than the head dimension");
  }
  d.rms_norm_eps = r.optional_float("attention.layer_norm_rms_epsilon", 1e-5f);
  d.rope_freq_base = r.optional_float("rope.freq_base", 10000.0f);
  d.rope_scaling.type = file.get_string(r.prefix + "rope.scaling.type").value_or("none");
  d.rope_scaling.factor = r.optional_float("rope.scaling.factor", 1.0f);
  d.rope_scaling.original_context_length =
      r.optional_u32("rope.scaling.original_context_length", 0);
  d.attn_logit_softcap = r.optional_float("attn_logit_softcapping", 0.0f);
  d.final_logit_softcap = r.optional_float("final_logit_softcapping", 0.0f);
  d.sliding_window = r.optional_u32("attention.sliding_window", 0);

  // Vocabulary size: the token list, else {arch}.vocab_size, else the embedding's rows.
  const GgufValue* tokens = file.find("tokenizer.ggml.tokens");
  const GgufTensorInfo* embd = file.find_tensor("token_embd.weight");
  if (tokens != nullptr && tokens->type == GgufValueType::array) {
    d.n_vocab = r.checked("tokenizer.ggml.tokens",
                          static_cast<int64_t>(std::min<uint64_t>(tokens->count, UINT32_MAX)));
  } else if (auto v = file.get_int(r.prefix + "vocab_size")) {
    d.n_vocab = r.checked(r.prefix + "vocab_size", *v);
  } else if (embd != nullptr) {
    d.n_vocab = static_cast<uint32_t>(std::min<uint64_t>(embd->dims[1], UINT32_MAX));
  }
  if (embd != nullptr && (embd->dims[0] != d.n_embd || embd->dims[1] != d.n_vocab)) {
    throw GgufError(Code::bad_value, "token_embd.weight", GgufError::kNoOffset,
                    "shape [" + std::to_string(embd->dims[0]) + ", " +
                        std::to_string(embd->dims[1]) + "] does not match embedding_length " +
                        std::to_string(d.n_embd) + " and vocabulary " + std::to_string(d.n_vocab));
  }

  d.tied_output = file.find_tensor("output.weight") == nullptr;
  d.has_qkv_bias = file.find_tensor("blk.0.attn_q.bias") != nullptr;
  d.has_qk_norm = file.find_tensor("blk.0.attn_q_norm.weight") != nullptr;
  d.has_rope_freqs = file.find_tensor("rope_freqs.weight") != nullptr;
  d.tokenizer_model = file.get_string("tokenizer.ggml.model").value_or("");
  d.tokenizer_pre = file.get_string("tokenizer.ggml.pre").value_or("");
  d.has_chat_template = file.find("tokenizer.chat_template") != nullptr;
  for (const auto& t : file.tensors()) d.n_params += t.n_elements;
  return d;
}

}  // namespace sluice::model
