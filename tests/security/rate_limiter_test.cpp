// Per-key rate limits on a driven clock: requests and tokens per minute in a sliding
// window, concurrent requests held by Leases, quotas for headers, and usage per tenant.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "security/rate_limiter.hpp"

using namespace sluice::security;
using Clock = RateLimiter::Clock;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

// Whole seconds on the steady clock, far from its epoch: bucket boundaries are exact.
const Clock::time_point t0 = Clock::time_point(seconds(1'000'000));

ApiKey make_key(std::string id, std::string tenant, KeyLimits limits) {
  ApiKey key;
  key.id = std::move(id);
  key.tenant = std::move(tenant);
  key.limits = limits;
  return key;
}

bool admitted(const std::variant<RateLimiter::Lease, RateLimiter::Rejection>& r) {
  return std::holds_alternative<RateLimiter::Lease>(r);
}

const RateLimiter::Rejection& rejection(
    const std::variant<RateLimiter::Lease, RateLimiter::Rejection>& r) {
  REQUIRE(std::holds_alternative<RateLimiter::Rejection>(r));
  return std::get<RateLimiter::Rejection>(r);
}

}  // namespace

TEST_CASE("requests_per_minute: N admitted, N+1 refused until the oldest falls out",
          "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {.requests_per_minute = 3});
  // Requests at 0.0 s, 10.5 s and 20 s fill the window.
  CHECK(admitted(limiter.admit(key, t0)));
  CHECK(admitted(limiter.admit(key, t0 + milliseconds(10'500))));
  CHECK(admitted(limiter.admit(key, t0 + seconds(20))));

  const auto refused = limiter.admit(key, t0 + seconds(30));
  CHECK(rejection(refused).limit == "requests_per_minute");
  CHECK(rejection(refused).retry_after_s == Approx(30.0));  // the 0 s request leaves at 60 s

  // Just before the oldest leaves: still refused, with the remaining fraction.
  const auto almost = limiter.admit(key, t0 + milliseconds(59'750));
  CHECK(rejection(almost).retry_after_s == Approx(0.25));
  // At 60 s exactly it has left: one more is admitted, and the next waits for the 10.5 s one
  // (its one-second bucket, 10 s, leaves at 70 s).
  CHECK(admitted(limiter.admit(key, t0 + seconds(60))));
  CHECK(rejection(limiter.admit(key, t0 + seconds(61))).retry_after_s == Approx(9.0));
  CHECK(admitted(limiter.admit(key, t0 + seconds(70))));
}

TEST_CASE("unlimited keys are never refused", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {});
  std::vector<RateLimiter::Lease> held;
  for (int i = 0; i < 1000; ++i) {
    auto r = limiter.admit(key, t0);
    REQUIRE(admitted(r));
    std::get<RateLimiter::Lease>(r).add_tokens(1'000'000, t0);
    held.push_back(std::move(std::get<RateLimiter::Lease>(r)));
  }
  const auto q = limiter.quota(key, t0);
  CHECK(q.limit_requests == -1);
  CHECK(q.remaining_requests == -1);
  CHECK(q.limit_tokens == -1);
  CHECK(q.remaining_tokens == -1);
}

TEST_CASE("tokens_per_minute refuses once the window's tokens reach the limit",
          "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {.tokens_per_minute = 1000});
  {
    auto r = limiter.admit(key, t0);
    REQUIRE(admitted(r));
    auto& lease = std::get<RateLimiter::Lease>(r);
    lease.add_tokens(400, t0);  // prompt
    CHECK(lease.quota().remaining_tokens == 600);
    lease.add_tokens(500, t0 + seconds(5));  // generated
    CHECK(lease.quota().remaining_tokens == 100);
    CHECK(lease.quota().limit_tokens == 1000);
  }
  // 900 < 1000: still admitted (a request is refused on tokens already charged).
  {
    auto r = limiter.admit(key, t0 + seconds(10));
    REQUIRE(admitted(r));
    std::get<RateLimiter::Lease>(r).add_tokens(300, t0 + seconds(10));
    CHECK(std::get<RateLimiter::Lease>(r).quota().remaining_tokens == 0);
  }
  // 1200 >= 1000: refused until the 400 of second 0 leave (800 < 1000) at 60 s.
  const auto refused = limiter.admit(key, t0 + seconds(20));
  CHECK(rejection(refused).limit == "tokens_per_minute");
  CHECK(rejection(refused).retry_after_s == Approx(40.0));
  CHECK(admitted(limiter.admit(key, t0 + seconds(60))));
}

TEST_CASE("tokens_per_minute retry waits until enough tokens have left", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {.tokens_per_minute = 100});
  for (auto [s, tokens] : {std::pair{0, 10}, std::pair{10, 80}, std::pair{20, 60}}) {
    auto r = limiter.admit(key, t0 + seconds(s));
    REQUIRE(admitted(r));
    std::get<RateLimiter::Lease>(r).add_tokens(tokens, t0 + seconds(s));
  }
  // 150 charged; dropping second 0 leaves 140 (>= 100), dropping second 10 leaves 60: 70 s.
  CHECK(rejection(limiter.admit(key, t0 + seconds(30))).retry_after_s == Approx(40.0));
}

TEST_CASE("max_concurrent: a slot frees when its Lease is destroyed", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {.max_concurrent = 2});
  auto first = limiter.admit(key, t0);
  auto second = limiter.admit(key, t0);
  REQUIRE(admitted(first));
  REQUIRE(admitted(second));
  const auto refused = limiter.admit(key, t0);
  CHECK(rejection(refused).limit == "max_concurrent");
  CHECK(rejection(refused).retry_after_s == Approx(RateLimiter::kConcurrencyRetryS));

  // Moving a Lease keeps its slot; destroying it frees the slot.
  RateLimiter::Lease moved = std::move(std::get<RateLimiter::Lease>(first));
  CHECK(moved.holds_slot());
  CHECK_FALSE(std::get<RateLimiter::Lease>(first).holds_slot());
  CHECK_FALSE(admitted(limiter.admit(key, t0)));
  first = RateLimiter::Rejection{};  // destroys the moved-from Lease: frees nothing
  CHECK_FALSE(admitted(limiter.admit(key, t0)));
  moved = RateLimiter::Lease();  // move-assigning releases the slot held
  auto third = limiter.admit(key, t0);
  CHECK(admitted(third));
  CHECK_FALSE(admitted(limiter.admit(key, t0)));
  second = RateLimiter::Rejection{};
  CHECK(admitted(limiter.admit(key, t0)));  // destroyed at once: one slot used (third)
}

TEST_CASE("refused requests are not counted against the window", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {.requests_per_minute = 2});
  CHECK(admitted(limiter.admit(key, t0)));
  CHECK(admitted(limiter.admit(key, t0)));
  for (int i = 0; i < 50; ++i) CHECK_FALSE(admitted(limiter.admit(key, t0 + seconds(1))));
  CHECK(admitted(limiter.admit(key, t0 + seconds(60))));
  CHECK(admitted(limiter.admit(key, t0 + seconds(60))));
}

TEST_CASE("when several limits fail, the longest wait is given", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key =
      make_key("k", "t", {.requests_per_minute = 1, .tokens_per_minute = 10, .max_concurrent = 1});
  auto r = limiter.admit(key, t0);
  REQUIRE(admitted(r));
  std::get<RateLimiter::Lease>(r).add_tokens(10, t0 + seconds(30));
  // rpm frees at 60 s, tpm at 90 s, concurrency unknown (1 s): tokens win.
  const auto refused = limiter.admit(key, t0 + seconds(40));
  CHECK(rejection(refused).limit == "tokens_per_minute");
  CHECK(rejection(refused).retry_after_s == Approx(50.0));
}

TEST_CASE("quota() gives the header numbers", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey key = make_key("k", "t", {.requests_per_minute = 10, .tokens_per_minute = 500});
  auto fresh = limiter.quota(key, t0);
  CHECK(fresh.limit_requests == 10);
  CHECK(fresh.remaining_requests == 10);
  CHECK(fresh.limit_tokens == 500);
  CHECK(fresh.remaining_tokens == 500);
  CHECK(fresh.reset_requests_s == 0);
  CHECK(fresh.reset_tokens_s == 0);

  auto r1 = limiter.admit(key, t0);
  REQUIRE(admitted(r1));
  CHECK(std::get<RateLimiter::Lease>(r1).quota().remaining_requests == 9);
  std::get<RateLimiter::Lease>(r1).add_tokens(120, t0 + seconds(2));
  auto r2 = limiter.admit(key, t0 + seconds(15));
  REQUIRE(admitted(r2));
  CHECK(std::get<RateLimiter::Lease>(r2).quota().remaining_requests == 8);

  const auto q = limiter.quota(key, t0 + milliseconds(20'500));
  CHECK(q.remaining_requests == 8);
  CHECK(q.remaining_tokens == 380);
  CHECK(q.reset_requests_s == Approx(54.5));  // the 15 s request leaves at 75 s
  CHECK(q.reset_tokens_s == Approx(41.5));    // the 2 s tokens leave at 62 s
  // Everything gone after a minute.
  const auto later = limiter.quota(key, t0 + seconds(80));
  CHECK(later.remaining_requests == 10);
  CHECK(later.remaining_tokens == 500);
  CHECK(later.reset_requests_s == 0);
}

TEST_CASE("keys are limited separately, usage is summed per tenant", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey a1 = make_key("a1", "acme", {.requests_per_minute = 2});
  const ApiKey a2 = make_key("a2", "acme", {.requests_per_minute = 2});
  const ApiKey b = make_key("b", "beta", {.requests_per_minute = 1});

  std::vector<RateLimiter::Lease> held;
  for (const ApiKey* k : {&a1, &a1, &a2, &a2, &b}) {
    auto r = limiter.admit(*k, t0);
    REQUIRE(admitted(r));  // a2 has its own window although a1's is full
    held.push_back(std::move(std::get<RateLimiter::Lease>(r)));
  }
  CHECK_FALSE(admitted(limiter.admit(a1, t0)));
  CHECK_FALSE(admitted(limiter.admit(a2, t0)));
  CHECK_FALSE(admitted(limiter.admit(b, t0)));
  held[0].add_tokens(7, t0);
  held[2].add_tokens(5, t0);
  held[4].add_tokens(11, t0);
  held.pop_back();  // b's request ends

  const auto u = limiter.usage(t0 + seconds(1));
  REQUIRE(u.size() == 2);
  CHECK(u[0].tenant == "acme");
  CHECK(u[0].requests == 4);
  CHECK(u[0].rejected == 2);
  CHECK(u[0].tokens == 12);
  CHECK(u[0].active == 4);
  CHECK(u[0].requests_last_minute == 4);
  CHECK(u[0].tokens_last_minute == 12);
  CHECK(u[1].tenant == "beta");
  CHECK(u[1].requests == 1);
  CHECK(u[1].rejected == 1);
  CHECK(u[1].tokens == 11);
  CHECK(u[1].active == 0);

  // A minute later the windows are empty, the totals stay.
  held.clear();
  const auto later = limiter.usage(t0 + seconds(90));
  CHECK(later[0].requests == 4);
  CHECK(later[0].active == 0);
  CHECK(later[0].requests_last_minute == 0);
  CHECK(later[0].tokens_last_minute == 0);
}

TEST_CASE("forget_keys_not_in drops revoked keys' windows", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey a = make_key("a", "t", {.requests_per_minute = 1});
  const ApiKey b = make_key("b", "t", {.requests_per_minute = 1});
  auto held = limiter.admit(a, t0);
  REQUIRE(admitted(held));
  REQUIRE(admitted(limiter.admit(b, t0)));
  limiter.forget_keys_not_in({"b"});
  CHECK_FALSE(admitted(limiter.admit(b, t0)));  // b's window is kept
  CHECK(admitted(limiter.admit(a, t0)));        // a starts over (were it to come back)
  held = RateLimiter::Rejection{};              // a Lease of a forgotten key releases safely
  CHECK(limiter.usage(t0)[0].active == 0);
}

TEST_CASE("a key moved to another tenant is counted for the new one", "[security][ratelimit]") {
  RateLimiter limiter;
  ApiKey key = make_key("k", "old", {});
  auto r1 = limiter.admit(key, t0);
  key.tenant = "new";
  auto r2 = limiter.admit(key, t0);
  const auto u = limiter.usage(t0);
  REQUIRE(u.size() == 2);
  CHECK(u[0].tenant == "new");
  CHECK(u[0].requests == 1);
  CHECK(u[1].tenant == "old");
  CHECK(u[1].requests == 1);
  r1 = RateLimiter::Rejection{};
  CHECK(limiter.usage(t0)[1].active == 0);
  CHECK(limiter.usage(t0)[0].active == 1);
}

TEST_CASE("8 threads never get more than the limit admitted", "[security][ratelimit]") {
  RateLimiter limiter;
  const ApiKey rpm = make_key("rpm", "t", {.requests_per_minute = 1000});
  const ApiKey conc = make_key("conc", "t", {.max_concurrent = 5});
  std::atomic<int> admitted_rpm{0}, in_flight{0}, max_in_flight{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (admitted(limiter.admit(rpm, t0 + milliseconds(i)))) ++admitted_rpm;
        auto r = limiter.admit(conc, t0);
        if (admitted(r)) {
          const int now = ++in_flight;
          int seen = max_in_flight.load();
          while (now > seen && !max_in_flight.compare_exchange_weak(seen, now)) {
          }
          std::this_thread::yield();
          --in_flight;  // before the Lease goes: never over-counts
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(admitted_rpm == 1000);  // 4000 tried within one second
  CHECK(max_in_flight <= 5);
  CHECK(max_in_flight >= 1);
  const auto u = limiter.usage(t0);
  REQUIRE(u.size() == 1);
  CHECK(u[0].requests + u[0].rejected == 8000);
  CHECK(u[0].active == 0);
}
