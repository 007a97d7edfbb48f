#include "server/openai_routes.hpp"

#include "server/engine_requests.hpp"
#include "server/exchange.hpp"
#include "server/generation.hpp"
#include "server/guarded_generation.hpp"
#include "server/openai_format.hpp"
#include "server/prompt_builder.hpp"
#include "server/server_state.hpp"
#include "server/timings.hpp"

namespace sluice::server {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;

// Everything both generation routes do once the prompt ids are known.
asio::awaitable<void> generate(Exchange& ex, std::shared_ptr<engine::ServedModel> model,
                               const GenerationOptions& gen, std::vector<int32_t> prompt, bool chat,
                               GuardedRequest* guard, bool tool_calls) {
  auto& state = ex.state();
  OpenAiResponseInfo info;
  const std::string suffix = ex.request_id().substr(4);  // past "req-"
  info.id = (chat ? "chatcmpl-" : "cmpl-") + suffix;
  info.model = model->name;
  info.created = unix_seconds(std::chrono::system_clock::now());
  info.system_fingerprint = "sluice-" + state.version;
  info.prompt_tokens = static_cast<int64_t>(prompt.size());
  info.include_usage = gen.include_usage;
  info.logprobs = gen.logprobs;
  info.timings_per_token = gen.timings_per_token;
  info.request_start = ex.started();
  info.tokenizer = model->tokenizer;
  info.tool_calls = tool_calls;

  GenerationRun run(ex, model);
  run.submit(make_engine_requests(gen, prompt, ex.request_id(), ex.tenant()));
  std::unique_ptr<OpenAiFormatterBase> formatter;
  if (chat) {
    formatter = std::make_unique<ChatCompletionFormatter>(std::move(info), gen.n);
  } else {
    formatter = std::make_unique<CompletionFormatter>(std::move(info), gen.n);
  }
  const FlowOptions flow{gen.stream, gen.n, static_cast<int64_t>(prompt.size()), guard};
  co_await run_generation(ex, run, *formatter, flow);
}

asio::awaitable<void> chat_completions(Exchange& ex) {
  auto& state = ex.state();
  ChatCompletionRequest req = parse_chat_completion(parse_json_body(ex.body()), state.limits);
  auto model = resolve_model(ex, req.gen.model);
  auto guard = guard_messages(ex, model->name, req.gen, req.messages);
  const std::string prompt = render_chat_prompt(*model, req.messages, req.tools);
  std::vector<int32_t> tokens = tokenize_chat_prompt(*model, prompt);
  const bool tool_calls = !req.tools.is_null();
  co_await generate(ex, model, req.gen, std::move(tokens), true, guard.get(), tool_calls);
}

asio::awaitable<void> completions(Exchange& ex) {
  auto& state = ex.state();
  CompletionRequest req = parse_completion(parse_json_body(ex.body()), state.limits);
  auto model = resolve_model(ex, req.gen.model);
  std::vector<int32_t> prompt;
  std::unique_ptr<GuardedRequest> guard;
  if (auto* text = std::get_if<std::string>(&req.prompt)) {
    guard = guard_prompt(ex, model->name, req.gen, *text);
    prompt = tokenize_raw_prompt(*model, *text);
  } else {
    refuse_unguardable_tokens(ex, "prompt");
    prompt = std::get<std::vector<int32_t>>(req.prompt);
    check_token_ids(*model, prompt, "prompt");
  }
  if (prompt.empty()) throw bad_field("prompt", "must not be empty");
  co_await generate(ex, model, req.gen, std::move(prompt), false, guard.get(), false);
}

// Plain functions build the JSON: GCC 12 miscompiles braced JSON initialisers inside
// coroutines ("array used as initializer").
Json models_list(const ModelRegistry& models, const Exchange& ex) {
  Json data = Json::array();
  for (const auto& model : models.list()) {
    if (!key_allows_model(ex, model->name)) continue;
    data.push_back(Json{{"id", model->name},
                        {"object", "model"},
                        {"created", unix_seconds(model->loaded_at)},
                        {"owned_by", "sluice"},
                        {"max_model_len", model->n_ctx},
                        {"meta",
                         {{"n_ctx_train", model->desc.n_ctx_train},
                          {"n_params", model->desc.n_params},
                          {"n_vocab", model->desc.n_vocab},
                          {"size", model->file_size},
                          {"file_type", model->file_type},
                          {"backend", model->backend}}}});
  }
  return Json{{"object", "list"}, {"data", std::move(data)}};
}

asio::awaitable<void> list_models(Exchange& ex) {
  Response response = json_response(models_list(ex.state().models, ex));
  co_await ex.respond(std::move(response));
}

}  // namespace

void add_openai_routes(Router& router) {
  router.add({http::verb::post, "/v1/chat/completions", ApiFamily::openai, true, chat_completions});
  router.add({http::verb::post, "/v1/completions", ApiFamily::openai, true, completions});
  router.add({http::verb::get, "/v1/models", ApiFamily::openai, false, list_models});
}

}  // namespace sluice::server
