#include "security/minute_window.hpp"

#include <algorithm>

namespace sluice::security {
namespace {

// Seconds from `now` until the bucket of `second` leaves the window.
double seconds_until_expiry(int64_t second, MinuteWindow::Clock::time_point now) {
  const auto expiry =
      MinuteWindow::Clock::time_point(std::chrono::seconds(second + MinuteWindow::kSeconds));
  return std::max(0.0, std::chrono::duration<double>(expiry - now).count());
}

}  // namespace

int64_t MinuteWindow::second_of(Clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t.time_since_epoch()).count();
}

void MinuteWindow::add(Clock::time_point now, uint64_t amount) {
  const int64_t second = second_of(now);
  Bucket& b = buckets_[static_cast<size_t>(((second % kSeconds) + kSeconds) % kSeconds)];
  // A bucket holding a later second (a caller whose `now` is a little behind another's)
  // takes the amount as it is: counting it late errs on the strict side.
  if (b.second < second) b = Bucket{second, 0};
  b.amount += amount;
}

uint64_t MinuteWindow::total(Clock::time_point now) const {
  const int64_t second = second_of(now);
  uint64_t sum = 0;
  for (const Bucket& b : buckets_) {
    if (live(b, second)) sum += b.amount;
  }
  return sum;
}

double MinuteWindow::seconds_until_below(uint64_t limit, Clock::time_point now) const {
  const int64_t second = second_of(now);
  std::array<Bucket, kSeconds> in_window;
  size_t n = 0;
  uint64_t sum = 0;
  for (const Bucket& b : buckets_) {
    if (!live(b, second)) continue;
    in_window[n++] = b;
    sum += b.amount;
  }
  if (sum < limit) return 0.0;
  std::sort(in_window.begin(), in_window.begin() + static_cast<ptrdiff_t>(n),
            [](const Bucket& a, const Bucket& b) { return a.second < b.second; });
  for (size_t i = 0; i < n; ++i) {
    sum -= in_window[i].amount;
    if (sum < limit) return seconds_until_expiry(in_window[i].second, now);
  }
  return 0.0;  // limit == 0 and the window is empty: reached only by a caller's mistake
}

double MinuteWindow::seconds_until_empty(Clock::time_point now) const {
  const int64_t second = second_of(now);
  int64_t newest = std::numeric_limits<int64_t>::min();
  for (const Bucket& b : buckets_) {
    if (live(b, second)) newest = std::max(newest, b.second);
  }
  return newest == std::numeric_limits<int64_t>::min() ? 0.0 : seconds_until_expiry(newest, now);
}

}  // namespace sluice::security
