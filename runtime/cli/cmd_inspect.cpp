#include <cinttypes>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "model/ggml_type.hpp"
#include "model/gguf_file.hpp"
#include "model/model_description.hpp"

namespace sluice::cli {
namespace {

std::string human_bytes(uint64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) v /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

std::string human_count(uint64_t n) {
  char buf[32];
  if (n >= 1'000'000'000)
    std::snprintf(buf, sizeof buf, "%.2fB", n / 1e9);
  else if (n >= 1'000'000)
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else if (n >= 1'000)
    std::snprintf(buf, sizeof buf, "%.1fK", n / 1e3);
  else
    std::snprintf(buf, sizeof buf, "%" PRIu64, n);
  return buf;
}

std::string shape_of(const model::GgufTensorInfo& t) {
  std::string s = "[";
  for (uint32_t d = 0; d < t.n_dims; ++d) s += (d ? ", " : "") + std::to_string(t.dims[d]);
  return s + "]";
}

const char* tokenizer_kind(const std::string& model) {
  if (model == "llama") return "SPM";
  if (model == "gpt2") return "BPE (byte-level)";
  if (model.empty()) return "none";
  return "other";
}

struct TypeTotal {
  uint64_t tensors = 0;
  uint64_t bytes = 0;
  uint64_t elements = 0;
};

}  // namespace

int run_inspect(const InspectOptions& options) {
  try {
    const auto file = model::GgufFile::open(options.model);
    const auto desc = model::ModelDescription::from_gguf(file);
    std::map<std::string, TypeTotal> by_type;
    for (const auto& t : file.tensors()) {
      auto& total = by_type[model::ggml_type_name(t.type)];
      total.tensors++;
      total.bytes += t.size_bytes;
      total.elements += t.n_elements;
    }
    const auto* bos = file.find("tokenizer.ggml.bos_token_id");
    const auto* eos = file.find("tokenizer.ggml.eos_token_id");
    if (options.json) {
      nlohmann::json j;
      j["file"] = options.model.string();
      j["file_size"] = file.file_size();
      j["gguf_version"] = file.version();
      j["alignment"] = file.alignment();
      j["architecture"] = desc.arch_name;
      j["name"] = desc.name;
      j["parameters"] = desc.n_params;
      j["hyperparameters"] = {
          {"n_vocab", desc.n_vocab},
          {"n_ctx_train", desc.n_ctx_train},
          {"n_embd", desc.n_embd},
          {"n_layer", desc.n_layer},
          {"n_head", desc.n_head},
          {"n_head_kv", desc.n_head_kv},
          {"head_dim_k", desc.head_dim_k},
          {"head_dim_v", desc.head_dim_v},
          {"n_ff", desc.n_ff},
          {"n_rot", desc.n_rot},
          {"rms_norm_eps", desc.rms_norm_eps},
          {"rope_freq_base", desc.rope_freq_base},
          {"rope_scaling",
           {{"type", desc.rope_scaling.type},
            {"factor", desc.rope_scaling.factor},
            {"original_context_length", desc.rope_scaling.original_context_length}}},
          {"tied_output", desc.tied_output},
          {"qkv_bias", desc.has_qkv_bias},
          {"qk_norm", desc.has_qk_norm},
          {"rope_freqs", desc.has_rope_freqs},
          {"attn_logit_softcap", desc.attn_logit_softcap},
          {"final_logit_softcap", desc.final_logit_softcap},
          {"sliding_window", desc.sliding_window}};
      j["tokenizer"] = {{"model", desc.tokenizer_model},
                        {"type", tokenizer_kind(desc.tokenizer_model)},
                        {"pre", desc.tokenizer_pre},
                        {"bos_token_id", bos ? bos->to_json() : nullptr},
                        {"eos_token_id", eos ? eos->to_json() : nullptr}};
      j["chat_template"] = desc.has_chat_template;
      j["size_by_type"] = nlohmann::json::object();
      for (const auto& [type, total] : by_type) {
        j["size_by_type"][type] = {
            {"tensors", total.tensors}, {"bytes", total.bytes}, {"elements", total.elements}};
      }
      j["tensors"] = nlohmann::json::array();
      for (const auto& t : file.tensors()) {
        j["tensors"].push_back(
            {{"name", t.name},
             {"type", model::ggml_type_name(t.type)},
             {"shape", std::vector<uint64_t>(t.dims.begin(), t.dims.begin() + t.n_dims)},
             {"bytes", t.size_bytes},
             {"offset", file.data_offset() + t.offset}});
      }
      if (options.metadata) {
        j["metadata"] = nlohmann::json::object();
        for (const auto& kv : file.metadata()) j["metadata"][kv.key] = kv.value.to_json();
      }
      std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
      return 0;
    }
    std::printf("file          %s (%s)\n", options.model.string().c_str(),
                human_bytes(file.file_size()).c_str());
    std::printf("format        GGUF v%u, alignment %" PRIu64 ", %zu tensors, %zu metadata keys\n",
                file.version(), file.alignment(), file.tensors().size(), file.metadata().size());
    std::printf("architecture  %s%s%s\n", desc.arch_name.c_str(), desc.name.empty() ? "" : "  ",
                desc.name.c_str());
    std::printf("parameters    %s (%" PRIu64 ")\n", human_count(desc.n_params).c_str(),
                desc.n_params);
    std::printf("hyperparameters\n");
    std::printf("  vocab %u, context %u, embedding %u, layers %u, ffn %u\n", desc.n_vocab,
                desc.n_ctx_train, desc.n_embd, desc.n_layer, desc.n_ff);
    std::printf(
        "  heads %u, kv heads %u, head dim %u/%u, rope dims %u, rope base %g, scaling %s x%g\n",
        desc.n_head, desc.n_head_kv, desc.head_dim_k, desc.head_dim_v, desc.n_rot,
        desc.rope_freq_base, desc.rope_scaling.type.c_str(), desc.rope_scaling.factor);
    std::printf("  rms eps %g, output %s%s%s%s\n", desc.rms_norm_eps,
                desc.tied_output ? "tied" : "untied", desc.has_qkv_bias ? ", qkv bias" : "",
                desc.has_qk_norm ? ", qk norm" : "",
                desc.has_rope_freqs ? ", rope freq factors" : "");
    std::printf("tokenizer     %s (%s)%s%s, bos %s, eos %s\n", desc.tokenizer_model.c_str(),
                tokenizer_kind(desc.tokenizer_model), desc.tokenizer_pre.empty() ? "" : ", pre ",
                desc.tokenizer_pre.c_str(), bos ? bos->to_json().dump().c_str() : "-",
                eos ? eos->to_json().dump().c_str() : "-");
    std::printf("chat template %s\n", desc.has_chat_template ? "yes" : "no");
    std::printf("size by type\n");
    for (const auto& [type, total] : by_type) {
      std::printf("  %-6s %4" PRIu64 " tensors  %12s  %s params\n", type.c_str(), total.tensors,
                  human_bytes(total.bytes).c_str(), human_count(total.elements).c_str());
    }
    std::printf("tensors\n");
    for (const auto& t : file.tensors()) {
      std::printf("  %-32s %-5s %-22s %s\n", t.name.c_str(), model::ggml_type_name(t.type).c_str(),
                  shape_of(t).c_str(), human_bytes(t.size_bytes).c_str());
    }
    return 0;
  } catch (const model::GgufError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace sluice::cli
