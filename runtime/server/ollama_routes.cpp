#include "server/ollama_routes.hpp"

#include <cstdio>
#include <filesystem>

#include "server/engine_requests.hpp"
#include "server/exchange.hpp"
#include "server/generation.hpp"
#include "server/guarded_generation.hpp"
#include "server/ollama_format.hpp"
#include "server/prompt_builder.hpp"
#include "server/server_state.hpp"
#include "server/stream_format.hpp"
#include "server/timings.hpp"

namespace sluice::server {

namespace asio = boost::asio;
namespace http = boost::beast::http;

std::string parameter_size_text(uint64_t n_params) {
  const double n = static_cast<double>(n_params);
  char buf[32];
  if (n >= 1e9) {
    std::snprintf(buf, sizeof buf, "%.1fB", n / 1e9);
  } else if (n >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.0fM", n / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.0fK", n / 1e3);
  }
  return buf;
}

namespace {

Json model_details(const engine::ServedModel& model) {
  return Json{{"parent_model", ""},
              {"format", "gguf"},
              {"family", model.desc.arch_name},
              {"families", Json::array({model.desc.arch_name})},
              {"parameter_size", parameter_size_text(model.desc.n_params)},
              {"quantization_level", model.file_type}};
}

std::string modified_at(const engine::ServedModel& model) {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(model.path, ec);
  if (ec) return rfc3339(model.loaded_at);
  return rfc3339(std::chrono::file_clock::to_sys(mtime));
}

asio::awaitable<void> generate_and_answer(Exchange& ex, std::shared_ptr<engine::ServedModel> model,
                                          const GenerationOptions& gen, std::vector<int32_t> prompt,
                                          bool chat, GuardedRequest* guard, bool tool_calls) {
  OllamaResponseInfo info;
  info.model = model->name;
  info.chat = chat;
  if (!chat) info.context = prompt;
  info.logprobs = gen.logprobs;
  info.request_start = ex.started();
  info.tokenizer = model->tokenizer;
  info.tool_calls = tool_calls;
  // `context` must not carry ids of text the output guardrails withheld.
  info.context_from_text = guard != nullptr && ex.state().guardrails()->filters_output();
  const auto prompt_tokens = static_cast<int64_t>(prompt.size());

  GenerationRun run(ex, model);
  run.submit(make_engine_requests(gen, prompt, ex.request_id(), ex.tenant()));
  OllamaFormatter formatter(std::move(info));
  const FlowOptions flow{gen.stream, 1, prompt_tokens, guard};
  co_await run_generation(ex, run, formatter, flow);
}

// Plain functions build JSON: GCC 12 miscompiles braced JSON initialisers inside
// coroutines ("array used as initializer").
// The turns a templated (not raw) /api/generate prompt becomes.
Json generate_messages(const OllamaGenerateRequest& req) {
  Json messages = Json::array();
  if (!req.system.empty()) messages.push_back(Json{{"role", "system"}, {"content", req.system}});
  messages.push_back(Json{{"role", "user"}, {"content", req.prompt}});
  return messages;
}

std::vector<int32_t> generate_prompt(const OllamaGenerateRequest& req, const Json& messages,
                                     const engine::ServedModel& model) {
  std::vector<int32_t> prompt = req.context;
  check_token_ids(model, prompt, "context");
  std::vector<int32_t> text;
  if (req.raw) {
    // Raw: the prompt as written; BOS only when it starts the sequence.
    text = prompt.empty() ? tokenize_raw_prompt(model, req.prompt)
                          : model.tokenizer->encode(req.prompt, false, true);
  } else {
    text = tokenize_chat_prompt(model, render_chat_prompt(model, messages, nullptr));
  }
  prompt.insert(prompt.end(), text.begin(), text.end());
  return prompt;
}

Json nothing_generated(const std::string& model, bool chat, bool loaded_only) {
  Json reply = OllamaFormatter::load_reply(model, chat);
  if (!loaded_only) reply["done_reason"] = "length";
  return reply;
}

asio::awaitable<void> generate(Exchange& ex) {
  auto& state = ex.state();
  OllamaGenerateRequest req = parse_ollama_generate(parse_json_body(ex.body()), state.limits);
  auto model = resolve_model(ex, req.gen.model);
  // Ollama answers an empty prompt by loading the model (it is loaded already here), and
  // num_predict 0 with nothing generated.
  const bool empty = req.prompt.empty() && req.context.empty();
  if (empty || req.gen.max_tokens == 0) {
    Response response = json_response(nothing_generated(model->name, false, empty));
    co_await ex.respond(std::move(response));
    co_return;
  }
  if (!req.context.empty()) refuse_unguardable_tokens(ex, "context");
  Json messages = generate_messages(req);
  std::unique_ptr<GuardedRequest> guard = req.raw
                                              ? guard_prompt(ex, model->name, req.gen, req.prompt)
                                              : guard_messages(ex, model->name, req.gen, messages);
  std::vector<int32_t> prompt = generate_prompt(req, messages, *model);
  co_await generate_and_answer(ex, model, req.gen, std::move(prompt), false, guard.get(), false);
}

asio::awaitable<void> chat(Exchange& ex) {
  auto& state = ex.state();
  OllamaChatRequest req = parse_ollama_chat(parse_json_body(ex.body()), state.limits);
  auto model = resolve_model(ex, req.gen.model);
  if (req.messages.empty() || req.gen.max_tokens == 0) {
    Response response = json_response(nothing_generated(model->name, true, req.messages.empty()));
    co_await ex.respond(std::move(response));
    co_return;
  }
  auto guard = guard_messages(ex, model->name, req.gen, req.messages);
  auto prompt = tokenize_chat_prompt(*model, render_chat_prompt(*model, req.messages, req.tools));
  const bool tool_calls = !req.tools.is_null();
  co_await generate_and_answer(ex, model, req.gen, std::move(prompt), true, guard.get(),
                               tool_calls);
}

Json tags_json(const ModelRegistry& registry, const Exchange& ex) {
  Json models = Json::array();
  for (const auto& model : registry.list()) {
    if (!key_allows_model(ex, model->name)) continue;
    models.push_back(Json{{"name", model->name},
                          {"model", model->name},
                          {"modified_at", modified_at(*model)},
                          {"size", model->file_size},
                          {"digest", model->sha256_short},
                          {"details", model_details(*model)}});
  }
  return Json{{"models", std::move(models)}};
}

Json ps_json(const ModelRegistry& registry, const Exchange& ex) {
  Json models = Json::array();
  for (const auto& model : registry.list()) {
    if (!key_allows_model(ex, model->name)) continue;
    models.push_back(Json{{"name", model->name},
                          {"model", model->name},
                          {"size", model->file_size},
                          {"digest", model->sha256_short},
                          {"details", model_details(*model)},
                          // Models stay loaded until the server stops.
                          {"expires_at", "2318-01-01T00:00:00Z"},
                          {"size_vram", 0},
                          {"context_length", model->n_ctx}});
  }
  return Json{{"models", std::move(models)}};
}

Json show_json(const engine::ServedModel& m) {
  const auto* model = &m;
  const auto& d = model->desc;
  const std::string arch = d.arch_name;
  Json info = {{"general.architecture", arch},
               {"general.name", d.name},
               {"general.parameter_count", d.n_params},
               {arch + ".context_length", d.n_ctx_train},
               {arch + ".embedding_length", d.n_embd},
               {arch + ".block_count", d.n_layer},
               {arch + ".feed_forward_length", d.n_ff},
               {arch + ".attention.head_count", d.n_head},
               {arch + ".attention.head_count_kv", d.n_head_kv},
               {arch + ".rope.freq_base", d.rope_freq_base},
               {"tokenizer.ggml.model", d.tokenizer_model},
               {"tokenizer.ggml.pre", d.tokenizer_pre}};
  Json capabilities = Json::array({"completion"});
  if (model->chat_template_source.find("tools") != std::string::npos)
    capabilities.push_back("tools");
  Json out = {{"license", ""},
              {"modelfile", "# Modelfile generated by sluice\nFROM " + model->path.string() + "\n"},
              {"parameters", ""},
              {"template", model->chat_template_source},
              {"details", model_details(*model)},
              {"model_info", std::move(info)},
              {"capabilities", std::move(capabilities)},
              {"modified_at", modified_at(*model)}};
  return out;
}

Json version_json(const std::string& version) {
  return Json{{"version", version}};
}

asio::awaitable<void> tags(Exchange& ex) {
  Response response = json_response(tags_json(ex.state().models, ex));
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> ps(Exchange& ex) {
  Response response = json_response(ps_json(ex.state().models, ex));
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> show(Exchange& ex) {
  const OllamaShowRequest req = parse_ollama_show(parse_json_body(ex.body()));
  auto model = ex.state().models.find(req.model);
  if (!model) throw model_not_found(req.model);
  if (!key_allows_model(ex, model->name))
    throw ApiError(403, "this API key may not use model '" + model->name + "'", "model");
  ex.record().model = model->name;
  Response response = json_response(show_json(*model));
  co_await ex.respond(std::move(response));
}

asio::awaitable<void> version(Exchange& ex) {
  Response response = json_response(version_json(ex.state().version));
  co_await ex.respond(std::move(response));
}

}  // namespace

void add_ollama_routes(Router& router) {
  router.add({http::verb::post, "/api/generate", ApiFamily::ollama, true, generate});
  router.add({http::verb::post, "/api/chat", ApiFamily::ollama, true, chat});
  router.add({http::verb::get, "/api/tags", ApiFamily::ollama, false, tags});
  router.add({http::verb::post, "/api/show", ApiFamily::ollama, false, show});
  router.add({http::verb::get, "/api/ps", ApiFamily::ollama, false, ps});
  router.add({http::verb::get, "/api/version", ApiFamily::ollama, false, version});
}

}  // namespace sluice::server
