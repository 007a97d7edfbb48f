#include "engine/served_model_loader.hpp"

#include <chrono>
#include <map>

#include "engine/engine.hpp"
#include "model/ggml_type.hpp"
#include "model/gguf_error.hpp"
#include "telemetry/logging.hpp"
#include "tokenizer/tokenizer_error.hpp"

namespace sluice::engine {
namespace {

std::shared_ptr<plugin_host::PluginLibrary> plugin_of_kind(plugin_host::PluginRegistry& plugins,
                                                           const std::string& name, int32_t kind) {
  auto library = plugins.find(name);
  return library && library->kind() == kind ? library : nullptr;
}

}  // namespace

std::string file_type_name(const model::GgufFile& file) {
  // llama.cpp's llama_ftype values.
  static const std::map<int64_t, std::string> names = {
      {0, "F32"},     {1, "F16"},     {2, "Q4_0"},    {3, "Q4_1"},    {7, "Q8_0"},
      {8, "Q5_0"},    {9, "Q5_1"},    {10, "Q2_K"},   {11, "Q3_K_S"}, {12, "Q3_K_M"},
      {13, "Q3_K_L"}, {14, "Q4_K_S"}, {15, "Q4_K_M"}, {16, "Q5_K_S"}, {17, "Q5_K_M"},
      {18, "Q6_K"},   {32, "BF16"}};
  if (const auto ftype = file.get_int("general.file_type")) {
    const auto it = names.find(*ftype);
    if (it != names.end()) return it->second;
  }
  std::map<std::string, uint64_t> bytes;
  for (const auto& t : file.tensors()) bytes[model::ggml_type_name(t.type)] += t.size_bytes;
  std::string best = "unknown";
  uint64_t most = 0;
  for (const auto& [name, n] : bytes) {
    if (n > most) {
      most = n;
      best = name;
    }
  }
  return best;
}

std::shared_ptr<ServedModel> load_served_model(const config::ModelConfig& mc,
                                               const config::Config& config,
                                               plugin_host::PluginRegistry& plugins,
                                               telemetry::MetricsRegistry* metrics) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  const std::string what = "model '" + mc.name + "' (" + mc.path.string() + ")";
  auto served = std::make_shared<ServedModel>();
  served->name = mc.name;
  served->path = mc.path;
  std::error_code ec;
  served->file_size = std::filesystem::file_size(mc.path, ec);
  model::HugePageStatus pages;
  try {
    served->file = std::make_shared<const model::GgufFile>(model::GgufFile::open(mc.path));
    pages = served->file->prefer_huge_pages();
    served->desc = model::ModelDescription::from_gguf(*served->file);
    served->tokenizer = std::make_shared<const tokenizer::Tokenizer>(
        tokenizer::Tokenizer::from_gguf(*served->file));
  } catch (const model::GgufError& e) {
    throw ModelLoadError(what + ": " + e.what());
  } catch (const tokenizer::TokenizerError& e) {
    throw ModelLoadError(what + ": tokenizer: " + e.what());
  }
  served->file_type = file_type_name(*served->file);

  const std::optional<std::string> source =
      mc.chat_template ? mc.chat_template : served->file->get_string("tokenizer.chat_template");
  if (source) {
    served->chat_template_source = *source;
    try {
      served->chat_template = chat::ChatTemplate::parse(*source);
    } catch (const chat::TemplateError& e) {
      throw ModelLoadError(what + ": chat template: " + e.what());
    }
  }

  auto scheduler_library = plugin_of_kind(plugins, mc.scheduler, SLUICE_KIND_SCHEDULER);
  if (!scheduler_library)
    throw ModelLoadError(what + ": no scheduler plugin named '" + mc.scheduler + "' is loaded");
  std::unique_ptr<SchedulerClient> scheduler;
  try {
    scheduler = std::make_unique<SchedulerClient>(scheduler_library, mc.scheduler_config_json);
  } catch (const std::exception& e) {
    throw ModelLoadError(what + ": " + e.what());
  }

  RunnerOptions ro;
  ro.threads = static_cast<int32_t>(mc.threads);
  ro.block_size = mc.block_size;
  ro.n_ctx = mc.n_ctx;
  const uint32_t n_ctx =
      mc.n_ctx != 0 ? mc.n_ctx : std::min<uint32_t>(served->desc.n_ctx_train, 4096);
  // Default pool: max_seqs sequences of half the context each, at least one full context.
  const uint64_t default_blocks =
      std::max<uint64_t>((uint64_t{mc.max_seqs} * n_ctx / 2 + mc.block_size - 1) / mc.block_size,
                         (n_ctx + mc.block_size - 1) / mc.block_size);
  ro.n_blocks = mc.kv_blocks != 0 ? mc.kv_blocks : static_cast<uint32_t>(default_blocks);

  const std::vector<std::string> candidates =
      mc.backend.empty() ? config.pipeline.backends : std::vector<std::string>{mc.backend};
  std::unique_ptr<ModelRunner> runner;
  std::string failures;
  for (const auto& name : candidates) {
    auto backend = plugin_of_kind(plugins, name, SLUICE_KIND_BACKEND);
    if (!backend) {
      failures += "\n  " + name + ": not a loaded backend plugin";
      continue;
    }
    try {
      runner = std::make_unique<ModelRunner>(backend, *served->file, served->desc, ro);
      served->backend = name;
      break;
    } catch (const std::exception& e) {
      failures += "\n  " + name + ": " + e.what();
    }
  }
  if (!runner) throw ModelLoadError(what + ": no backend could load it:" + failures);
  served->n_ctx = runner->n_ctx();

  EngineOptions eo;
  eo.model_name = mc.name;
  eo.max_batched_tokens = static_cast<int32_t>(mc.max_batched_tokens);
  eo.max_seqs = static_cast<int32_t>(mc.max_seqs);
  eo.max_preemptions = static_cast<int32_t>(mc.max_preemptions);
  eo.max_waiting_requests = config.server.max_waiting_requests;
  eo.max_waiting_tokens = config.server.max_waiting_tokens;
  eo.prefix_cache = mc.prefix_cache;
  served->engine = std::make_shared<Engine>(std::move(runner), served->tokenizer,
                                            std::move(scheduler), eo, metrics);
  served->loaded_at = std::chrono::system_clock::now();
  served->load_ns = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start).count());
  telemetry::component_logger("engine")->info(
      "model '{}' loaded on backend '{}' in {:.0f} ms: {} blocks of {} tokens, context {}, "
      "scheduler '{}', {}",
      mc.name, served->backend, served->load_ns / 1e6, ro.n_blocks, ro.block_size, served->n_ctx,
      mc.scheduler, model::describe(pages));
  return served;
}

}  // namespace sluice::engine
