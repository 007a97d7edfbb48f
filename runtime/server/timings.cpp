#include "server/timings.hpp"

#include <cstdio>
#include <ctime>

namespace sluice::server {
namespace {

double per_second(double count, double ms) {
  return ms > 0.0 ? count * 1000.0 / ms : 0.0;
}

double per_token(double ms, double count) {
  return count > 0.0 ? ms / count : 0.0;
}

}  // namespace

Json llama_timings(const ChoiceState& choice, bool per_token_times,
                   std::chrono::steady_clock::time_point request_start) {
  Json out = Json::object();
  if (!choice.finish) return out;
  const auto& t = choice.finish->timings;
  const double prompt_ms = static_cast<double>(t.prompt_ns()) / 1e6;
  const double predicted_ms = static_cast<double>(t.generation_ns()) / 1e6;
  const double prompt_n = t.prompt_tokens - t.cached_tokens;  // evaluated, as llama-server counts
  const double predicted_n = static_cast<double>(choice.tokens.size());
  out["queue_ms"] = static_cast<double>(t.queue_ns()) / 1e6;
  out["prompt_n"] = static_cast<int64_t>(prompt_n);
  out["prompt_ms"] = prompt_ms;
  out["prompt_per_token_ms"] = per_token(prompt_ms, prompt_n);
  out["prompt_per_second"] = per_second(prompt_n, prompt_ms);
  out["cache_n"] = t.cached_tokens;
  out["cached_n"] = t.cached_tokens;
  out["predicted_n"] = static_cast<int64_t>(predicted_n);
  out["predicted_ms"] = predicted_ms;
  out["predicted_per_token_ms"] = per_token(predicted_ms, predicted_n);
  out["predicted_per_second"] = per_second(predicted_n, predicted_ms);
  out["ttft_ms"] = static_cast<double>(t.ttft_ns()) / 1e6;
  if (per_token_times) {
    Json times = Json::array();
    for (const auto& token : choice.tokens) times.push_back(ms_between(request_start, token.time));
    out["token_ms"] = std::move(times);
  }
  return out;
}

void add_ollama_durations(Json& out, const ChoiceState& choice,
                          std::chrono::steady_clock::time_point request_start) {
  const auto now = std::chrono::steady_clock::now();
  const auto total_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now - request_start);
  engine::RequestTimings t;
  if (choice.finish) t = choice.finish->timings;
  out["total_duration"] = static_cast<int64_t>(total_ns.count());
  out["load_duration"] = 0;  // models are loaded before they are served
  // Tokens actually evaluated: a prompt prefix served from the cache is not, as in Ollama.
  out["prompt_eval_count"] = t.prompt_tokens - t.cached_tokens;
  out["prompt_eval_duration"] = t.prompt_ns();
  out["eval_count"] = static_cast<int64_t>(choice.tokens.size());
  out["eval_duration"] = t.generation_ns();
}

std::string rfc3339(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto secs = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs);
  const std::time_t tt = static_cast<std::time_t>(secs.count());
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(nanos.count()));
  return buf;
}

int64_t unix_seconds(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

}  // namespace sluice::server
