// What the server hands the engine and what comes back: one generation request, its
// streamed tokens and its end. The engine calls a request's sink from its step thread;
// sinks must not block (post to the connection's executor instead).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/sampler.hpp"

namespace sluice::engine {

struct Request {
  std::string id;               // the request id, for logs
  std::vector<int32_t> prompt;  // BOS included when the model wants it
  int32_t max_tokens = -1;      // -1: until the context is full
  SamplingParams sampling;
  std::vector<std::string> stop;  // stop strings
  bool ignore_eos = false;
  int32_t logprobs = -1;   // -1: none; 0: the chosen token's; k > 0: also the k most likely
  int32_t priority = 0;    // lower is more urgent (scheduler-priority)
  uint64_t tenant_id = 0;  // 0: none
};

struct TokenOutput {
  int32_t token = 0;
  std::string text;      // text this token released (empty while held back: a partial UTF-8
                         // character or a possible stop-string prefix)
  float logprob = 0.0f;  // when Request::logprobs >= 0
  std::vector<TokenLogprob> top;               // when Request::logprobs > 0
  std::chrono::steady_clock::time_point time;  // when it was sampled
};

enum class FinishReason {
  stop,            // end-of-generation token or a stop string
  length,          // max_tokens or the context
  cancelled,       // RequestQueue::cancel (the client went away)
  error,           // Finish::message says why; never reported as success
  content_filter,  // a guardrail stopped the output (set by the server, never the engine)
};
// "stop", "length", "cancelled", "error", "content_filter"
const char* to_string(FinishReason reason);

struct RequestTimings {
  std::chrono::steady_clock::time_point arrival;    // submit()
  std::chrono::steady_clock::time_point scheduled;  // first placed in a batch
  std::chrono::steady_clock::time_point first_token;
  std::chrono::steady_clock::time_point finished;
  int32_t prompt_tokens = 0;
  int32_t cached_tokens = 0;  // prompt tokens found in the prefix cache
  int32_t generated_tokens = 0;
  int32_t preemptions = 0;
  // Derived, in nanoseconds (0 when the stage was never reached).
  uint64_t queue_ns() const;       // arrival -> scheduled
  uint64_t prompt_ns() const;      // scheduled -> first token
  uint64_t generation_ns() const;  // first token -> finished
  uint64_t ttft_ns() const;        // arrival -> first token
  uint64_t total_ns() const;       // arrival -> finished
};

struct Finish {
  FinishReason reason = FinishReason::stop;
  std::string text;     // held-back text released at the end (append it to the output,
                        // send it before the final event); empty for cancelled and error
  std::string message;  // for FinishReason::error
  RequestTimings timings;
};

class RequestSink {
 public:
  virtual ~RequestSink() = default;
  // Engine thread, in order; must not block.
  virtual void on_token(const TokenOutput& token) = 0;
  // Exactly once, after every on_token; must not block.
  virtual void on_finish(const Finish& finish) = 0;
};

enum class SubmitStatus {
  accepted,
  queue_full,     // over the waiting limits: 503 with Retry-After
  invalid,        // the request cannot ever run (prompt longer than the context, ...): 400
  shutting_down,  // draining: 503
};

struct SubmitResult {
  SubmitStatus status = SubmitStatus::accepted;
  uint64_t seq_id = 0;         // when accepted: for cancel()
  std::string message;         // when not accepted
  uint32_t retry_after_s = 0;  // for queue_full
};

struct EngineStats {
  int32_t running = 0;
  int32_t waiting = 0;
  int32_t kv_blocks_total = 0;
  int32_t kv_blocks_used = 0;    // held by sequences (cached free blocks not counted)
  int32_t kv_blocks_cached = 0;  // free but holding reusable prefix KV
  uint64_t steps = 0;
};

// What the server sees of one model's engine. Free-threaded.
class RequestQueue {
 public:
  virtual ~RequestQueue() = default;
  virtual SubmitResult submit(Request request, std::shared_ptr<RequestSink> sink) = 0;
  // The sequence finishes with FinishReason::cancelled and frees its KV blocks within one
  // engine step. Unknown or finished ids are ignored.
  virtual void cancel(uint64_t seq_id) = 0;
  virtual EngineStats stats() const = 0;
  // Shutdown: refuse new requests (shutting_down) ...
  virtual void stop_accepting() = 0;
  // ... wait up to `timeout` for the running and waiting ones to finish (true if they did) ...
  virtual bool wait_idle(std::chrono::milliseconds timeout) = 0;
  // ... and fail what is left with FinishReason::error and `message`.
  virtual void abort_all(const std::string& message) = 0;
};

}  // namespace sluice::engine
