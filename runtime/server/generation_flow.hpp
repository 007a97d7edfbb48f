// Drives one generation from submission to the last byte, the same way for every API:
// streamed (SSE or NDJSON, per the formatter) or collected into one response. The
// formatter decides the shapes; this file decides the order of events, what a client
// disconnect or an engine error does, and what the access log records.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/request.hpp"
#include "server/api_error.hpp"
#include "server/json_util.hpp"

namespace sluice::server {

class Exchange;
class GenerationRun;

// Everything one choice produced, accumulated as events arrive.
struct ChoiceState {
  std::string text;                         // as the client receives it (after the guardrails)
  std::vector<engine::TokenOutput> tokens;  // every generated token, in order
  std::optional<engine::Finish> finish;
};

class GenerationFormatter {
 public:
  virtual ~GenerationFormatter() = default;
  virtual std::string content_type() const = 0;
  // Streaming: what to send first (may be empty).
  virtual std::string stream_begin() { return {}; }
  // Streaming: what to send for a token that has just been appended to `state`
  // (its text already in state.text); may be empty (nothing released yet).
  virtual std::string stream_token(uint32_t choice, const ChoiceState& state,
                                   const engine::TokenOutput& token) = 0;
  // Streaming: the end of one choice (its held-back text already appended).
  virtual std::string stream_finish(uint32_t choice, const ChoiceState& state,
                                    const std::string& released_text) = 0;
  // Streaming: after every choice finished.
  virtual std::string stream_end(const std::vector<ChoiceState>& choices) = 0;
  // Streaming: an error event; nothing is sent after it.
  virtual std::string stream_error(const ApiError& error) = 0;
  // Not streaming: the whole response once every choice finished.
  virtual Json whole(const std::vector<ChoiceState>& choices) = 0;
};

class GuardedRequest;

struct FlowOptions {
  bool stream = false;
  size_t choices = 1;
  int64_t prompt_tokens = 0;
  // The request's pass through the guardrail chain, when there is one: every output
  // chunk goes through it before the formatter sees it (then choices == 1), and it hears
  // how the request ended.
  GuardedRequest* guard = nullptr;
};

// Runs `run` (already submitted) to its end, answering through `formatter`.
boost::asio::awaitable<void> run_generation(Exchange& exchange, GenerationRun& run,
                                            GenerationFormatter& formatter,
                                            const FlowOptions& options);

// Milliseconds between two steady-clock points (0 when either is unset).
double ms_between(std::chrono::steady_clock::time_point from,
                  std::chrono::steady_clock::time_point to);

}  // namespace sluice::server
