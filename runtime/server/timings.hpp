// Per-request timing reports: llama-server's `timings` object (milliseconds) for the
// OpenAI routes and Ollama's durations (nanoseconds), plus the date formats both use.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "server/generation_flow.hpp"
#include "server/json_util.hpp"

namespace sluice::server {

// {"queue_ms", "prompt_n", "prompt_ms", "prompt_per_token_ms", "prompt_per_second",
//  "cache_n", "cached_n", "predicted_n", "predicted_ms", "predicted_per_token_ms",
//  "predicted_per_second", "ttft_ms"} and, with `per_token`, "token_ms": each generated
// token's time since the request arrived at the server.
Json llama_timings(const ChoiceState& choice, bool per_token,
                   std::chrono::steady_clock::time_point request_start);

// Ollama's final-object counts and durations: total_duration, load_duration,
// prompt_eval_count, prompt_eval_duration, eval_count, eval_duration.
void add_ollama_durations(Json& out, const ChoiceState& choice,
                          std::chrono::steady_clock::time_point request_start);

// RFC 3339 in UTC with nanoseconds: "2026-11-27T21:30:00.123456789Z".
std::string rfc3339(std::chrono::system_clock::time_point time);
// Seconds since the Unix epoch.
int64_t unix_seconds(std::chrono::system_clock::time_point time);

}  // namespace sluice::server
