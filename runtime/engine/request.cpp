#include "engine/request.hpp"

namespace sluice::engine {
namespace {

uint64_t between(std::chrono::steady_clock::time_point from,
                 std::chrono::steady_clock::time_point to) {
  if (from.time_since_epoch().count() == 0 || to.time_since_epoch().count() == 0 || to < from)
    return 0;
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count());
}

}  // namespace

const char* to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::stop: return "stop";
    case FinishReason::length: return "length";
    case FinishReason::cancelled: return "cancelled";
    case FinishReason::error: return "error";
    case FinishReason::content_filter: return "content_filter";
  }
  return "error";
}

uint64_t RequestTimings::queue_ns() const {
  return between(arrival, scheduled);
}
uint64_t RequestTimings::prompt_ns() const {
  return between(scheduled, first_token);
}
uint64_t RequestTimings::generation_ns() const {
  return between(first_token, finished);
}
uint64_t RequestTimings::ttft_ns() const {
  return between(arrival, first_token);
}
uint64_t RequestTimings::total_ns() const {
  return between(arrival, finished);
}

}  // namespace sluice::engine
