#include "server/guarded_generation.hpp"

#include "server/exchange.hpp"
#include "server/server_state.hpp"

namespace sluice::server {
namespace {

const char* stage_name(int32_t stage) {
  return stage == SLUICE_GUARD_STAGE_REQUEST ? "request" : "output";
}

const char* action_name(int32_t stage, int32_t action) {
  if (stage == SLUICE_GUARD_STAGE_REQUEST) {
    switch (action) {
      case SLUICE_GUARD_DENY: return "deny";
      case SLUICE_GUARD_REWRITE: return "rewrite";
      default: return "flag";
    }
  }
  switch (action) {
    case SLUICE_GUARD_REDACT: return "redact";
    case SLUICE_GUARD_STOP: return "stop";
    case SLUICE_GUARD_HOLD: return "hold";
    default: return "pass";
  }
}

// sluice:guardrail_decisions_total, once per request, when the chain has ended.
void count_decisions(Exchange& exchange, const GuardedRequest& guard) {
  for (const auto& d : guard.decisions())
    exchange.state().http_metrics.guardrail_decision(d.guardrail, stage_name(d.stage),
                                                     action_name(d.stage, d.action));
}

GuardInput input_for(Exchange& exchange, const std::string& model) {
  GuardInput input;
  input.request_id = exchange.request_id();
  input.tenant = exchange.tenant();
  input.model = model;
  input.route = exchange.record().route;
  return input;
}

void check_options(const GuardrailChain& chain, const GenerationOptions& gen) {
  if (!chain.filters_output()) return;
  // Each would show the client text the output guardrails have not released.
  if (gen.n > 1) throw bad_field("n", "must be 1 while output guardrails are configured");
  if (gen.logprobs >= 0)
    throw bad_field("logprobs", "is not available while output guardrails are configured");
}

// Runs the checks; a denial is told to the chain (as "denied") and thrown.
std::unique_ptr<GuardedRequest> run_chain(Exchange& exchange, const GuardrailChain& chain,
                                          GuardInput input) {
  std::unique_ptr<GuardedRequest> guard;
  try {
    guard = chain.check(std::move(input));
  } catch (const std::exception& e) {
    throw ApiError(500, std::string("the request could not be checked: ") + e.what());
  }
  if (guard->denied()) {
    GuardCompletion done;
    done.http_status = guard->deny_status();
    done.finish_reason = "denied";
    count_decisions(exchange, *guard);
    guard->complete(done);
    exchange.record().finish_reason = "denied";
    throw ApiError(static_cast<unsigned>(guard->deny_status()), guard->deny_reason());
  }
  return guard;
}

}  // namespace

bool key_allows_model(const Exchange& exchange, const std::string& model) {
  return !exchange.key || exchange.key->allows_model(model);
}

std::shared_ptr<engine::ServedModel> resolve_model(Exchange& exchange,
                                                   const std::optional<std::string>& name) {
  auto model = exchange.state().models.resolve(name);
  if (!key_allows_model(exchange, model->name))
    throw ApiError(403, "this API key may not use model '" + model->name + "'", "model");
  exchange.record().model = model->name;
  return model;
}

std::unique_ptr<GuardedRequest> guard_messages(Exchange& exchange, const std::string& model,
                                               const GenerationOptions& gen, Json& messages) {
  const auto chain = exchange.state().guardrails();
  if (chain->empty()) return nullptr;
  check_options(*chain, gen);
  GuardInput input = input_for(exchange, model);
  input.chat = true;
  for (const auto& m : messages) {
    const auto content = m.find("content");
    input.messages.push_back(GuardMessage{
        m.value("role", std::string()),
        content != m.end() && content->is_string() ? content->get<std::string>() : std::string()});
  }
  auto guard = run_chain(exchange, *chain, std::move(input));
  if (guard->rewritten()) {
    const auto& rewritten = guard->input().messages;
    if (rewritten.size() == messages.size()) {
      // Same turns: keep their other keys (tool calls, names), change role and content.
      for (size_t i = 0; i < rewritten.size(); ++i) {
        messages[i]["role"] = rewritten[i].role;
        messages[i]["content"] = rewritten[i].content;
      }
    } else {
      Json replaced = Json::array();
      for (const auto& m : rewritten) {
        Json turn = Json::object();
        turn["role"] = m.role;
        turn["content"] = m.content;
        replaced.push_back(std::move(turn));
      }
      messages = std::move(replaced);
    }
  }
  return guard;
}

std::unique_ptr<GuardedRequest> guard_prompt(Exchange& exchange, const std::string& model,
                                             const GenerationOptions& gen, std::string& prompt) {
  const auto chain = exchange.state().guardrails();
  if (chain->empty()) return nullptr;
  check_options(*chain, gen);
  GuardInput input = input_for(exchange, model);
  input.chat = false;
  input.prompt = prompt;
  auto guard = run_chain(exchange, *chain, std::move(input));
  if (guard->rewritten()) prompt = guard->input().prompt;
  return guard;
}

void refuse_unguardable_tokens(Exchange& exchange, const std::string& field) {
  if (!exchange.state().guardrails()->empty())
    throw bad_field(field, "token ids cannot be checked by the guardrails; send text");
}

void complete_guard(Exchange& exchange, GuardedRequest& guard,
                    const std::vector<ChoiceState>& choices, int64_t prompt_tokens,
                    const std::optional<ApiError>& failure) {
  GuardCompletion done;
  done.prompt_tokens = static_cast<int32_t>(prompt_tokens);
  if (!choices.empty()) {
    const ChoiceState& c = choices[0];
    done.response_text = c.text;
    done.completion_tokens = static_cast<int32_t>(c.tokens.size());
    if (c.finish) {
      done.finish_reason = engine::to_string(c.finish->reason);
      done.queue_ns = c.finish->timings.queue_ns();
      done.prompt_ns = c.finish->timings.prompt_ns();
      done.generation_ns = c.finish->timings.generation_ns();
      done.ttft_ns = c.finish->timings.ttft_ns();
    }
  }
  if (failure) {
    done.http_status = static_cast<int32_t>(failure->status());
    done.finish_reason = "error";
  } else if (exchange.client_gone()) {
    done.http_status = 499;  // nginx's "client closed request"
    done.finish_reason = "cancelled";
  }
  if (done.finish_reason.empty()) done.finish_reason = "cancelled";
  count_decisions(exchange, guard);
  guard.complete(done);
}

}  // namespace sluice::server
