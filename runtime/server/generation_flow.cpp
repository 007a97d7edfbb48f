#include "server/generation_flow.hpp"

#include "server/exchange.hpp"
#include "server/generation.hpp"
#include "server/guarded_generation.hpp"
#include "server/response.hpp"
#include "server/server_state.hpp"

namespace sluice::server {

namespace asio = boost::asio;

double ms_between(std::chrono::steady_clock::time_point from,
                  std::chrono::steady_clock::time_point to) {
  if (from.time_since_epoch().count() == 0 || to.time_since_epoch().count() == 0 || to < from)
    return 0.0;
  return std::chrono::duration<double, std::milli>(to - from).count();
}

namespace {

// An engine finish that is not a success, as the error the client sees.
std::optional<ApiError> finish_error(const engine::Finish& finish, bool interrupted) {
  if (finish.reason == engine::FinishReason::error)
    return ApiError(500, finish.message.empty() ? "generation failed" : finish.message);
  if (finish.reason == engine::FinishReason::cancelled && !interrupted)
    return ApiError(503, "the request was cancelled by the server");
  return std::nullopt;
}

void record_outcome(Exchange& exchange, const std::vector<ChoiceState>& choices,
                    int64_t prompt_tokens) {
  AccessRecord& r = exchange.record();
  r.prompt_tokens = prompt_tokens;
  r.generated_tokens = 0;
  for (const auto& c : choices) r.generated_tokens += static_cast<int64_t>(c.tokens.size());
  if (!choices.empty() && choices[0].finish) {
    const auto& f = *choices[0].finish;
    r.finish_reason = engine::to_string(f.reason);
    r.queue_ms = static_cast<double>(f.timings.queue_ns()) / 1e6;
    r.prompt_ms = static_cast<double>(f.timings.prompt_ns()) / 1e6;
    r.generation_ms = static_cast<double>(f.timings.generation_ns()) / 1e6;
    r.ttft_ms = static_cast<double>(f.timings.ttft_ns()) / 1e6;
  }
  for (const auto& c : choices)
    if (c.finish && c.finish->reason == engine::FinishReason::error) r.finish_reason = "error";
}

}  // namespace

asio::awaitable<void> run_generation(Exchange& exchange, GenerationRun& run,
                                     GenerationFormatter& formatter, const FlowOptions& options) {
  std::vector<ChoiceState> choices(options.choices);
  std::optional<ApiError> failure;
  bool write_failed = false;

  if (options.stream) {
    std::string content_type = formatter.content_type();
    if (!co_await exchange.begin_stream(std::move(content_type))) write_failed = true;
    std::string first = formatter.stream_begin();
    if (!write_failed && !co_await exchange.write_chunk(std::move(first))) write_failed = true;
  }

  if (exchange.lease) exchange.lease->add_tokens(static_cast<uint64_t>(options.prompt_tokens));
  GuardedRequest* guard = options.guard;
  bool guard_stopped = false;  // a guardrail stopped the output: the finish is content_filter

  while (!write_failed && !failure) {
    std::vector<ChoiceEvent> events = co_await run.next();
    if (events.empty()) break;
    std::string out;
    for (auto& event : events) {
      if (event.choice >= choices.size()) continue;
      ChoiceState& state = choices[event.choice];
      if (event.token) {
        if (guard_stopped) continue;  // cancelled; what the engine still sends is dropped
        if (guard) {
          const int32_t id = event.token->token;
          auto released = guard->filter(event.token->text, std::span<const int32_t>(&id, 1), false);
          event.token->text = std::move(released.text);
          if (released.stop) {
            guard_stopped = true;
            run.cancel_all();
          }
        }
        state.text += event.token->text;
        state.tokens.push_back(*event.token);
        if (options.stream) out += formatter.stream_token(event.choice, state, *event.token);
      } else if (event.finish) {
        if (guard_stopped) {
          event.finish->reason = engine::FinishReason::content_filter;
          event.finish->text.clear();
        } else if (guard && event.finish->reason != engine::FinishReason::error &&
                   event.finish->reason != engine::FinishReason::cancelled) {
          auto released = guard->filter(event.finish->text, {}, true);
          event.finish->text = std::move(released.text);
          if (released.stop) event.finish->reason = engine::FinishReason::content_filter;
        }
        state.finish = std::move(*event.finish);
        if (auto error = finish_error(*state.finish, run.interrupted())) {
          failure = std::move(error);
          break;
        }
        state.text += state.finish->text;
        if (options.stream) out += formatter.stream_finish(event.choice, state, state.finish->text);
      }
    }
    if (options.stream && !out.empty() && !co_await exchange.write_chunk(std::move(out)))
      write_failed = true;
  }

  record_outcome(exchange, choices, options.prompt_tokens);
  if (exchange.lease)
    exchange.lease->add_tokens(static_cast<uint64_t>(exchange.record().generated_tokens));
  if (guard) complete_guard(exchange, *guard, choices, options.prompt_tokens, failure);
  if (write_failed || run.interrupted() || exchange.client_gone()) {
    // The client is gone: the engine stops on cancel; nothing more can be sent.
    run.cancel_all();
    exchange.record().client_gone = true;
    if (exchange.record().finish_reason.empty() || run.interrupted())
      exchange.record().finish_reason = "cancelled";
    exchange.state().http_metrics.client_disconnected(exchange.record().route);
    co_return;
  }
  if (failure) {
    run.cancel_all();
    exchange.record().finish_reason = "error";
    exchange.state().log->warn("request {}: {}", exchange.request_id(), failure->what());
    if (options.stream) {
      // An explicit error event, never a normal-looking end.
      std::string event = formatter.stream_error(*failure);
      if (co_await exchange.write_chunk(std::move(event))) co_await exchange.end_stream();
    } else {
      Response response = error_response(exchange.family, *failure);
      co_await exchange.respond(std::move(response));
    }
    co_return;
  }
  if (options.stream) {
    std::string last = formatter.stream_end(choices);
    if (co_await exchange.write_chunk(std::move(last))) co_await exchange.end_stream();
  } else {
    Response response = json_response(formatter.whole(choices));
    co_await exchange.respond(std::move(response));
  }
}

}  // namespace sluice::server
