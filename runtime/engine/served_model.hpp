// One model as the server serves it: its name, tokenizer, chat template, facts for
// /v1/models, /api/show and /api/ps, and the engine that runs its requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "chat/chat_template.hpp"
#include "engine/request.hpp"
#include "model/gguf_file.hpp"
#include "model/model_description.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::engine {

struct ServedModel {
  std::string name;  // what requests put in "model"
  std::filesystem::path path;
  uint64_t file_size = 0;
  std::string file_type;     // "F16", "Q4_K_M", ... (general.file_type)
  std::string sha256_short;  // empty when not computed
  model::ModelDescription desc;
  uint32_t n_ctx = 0;  // per sequence
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  std::optional<chat::ChatTemplate> chat_template;  // none: the documented default format
  std::string chat_template_source;                 // as read (for /api/show)
  std::chrono::system_clock::time_point loaded_at;
  uint64_t load_ns = 0;
  std::string backend;                          // backend plugin name
  std::shared_ptr<const model::GgufFile> file;  // mapped weights; outlives `engine`
  std::shared_ptr<RequestQueue> engine;
};

}  // namespace sluice::engine
