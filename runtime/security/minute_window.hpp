// A sliding one-minute window of counts (requests or tokens) in 60 one-second buckets:
// fixed memory, and every answer exact for the window it defines. An amount added during
// second s (floor of the steady clock) counts until the clock reaches s + 60 s, so the
// window is the current second plus the 59 before it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <limits>

namespace sluice::security {

class MinuteWindow {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr int kSeconds = 60;

  void add(Clock::time_point now, uint64_t amount);
  // The amount added in the window that ends at `now`.
  uint64_t total(Clock::time_point now) const;
  // Seconds from `now` until total() drops below `limit` (0 when it already is).
  double seconds_until_below(uint64_t limit, Clock::time_point now) const;
  // Seconds from `now` until everything in the window has fallen out.
  double seconds_until_empty(Clock::time_point now) const;

 private:
  struct Bucket {
    int64_t second = std::numeric_limits<int64_t>::min();
    uint64_t amount = 0;
  };
  static int64_t second_of(Clock::time_point t);
  bool live(const Bucket& b, int64_t now_second) const {
    return b.amount > 0 && b.second > now_second - kSeconds;
  }

  std::array<Bucket, kSeconds> buckets_;
};

}  // namespace sluice::security
