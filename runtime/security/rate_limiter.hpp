// Per-key limits (requests per minute, tokens per minute, concurrent requests), checked
// before a request is tokenized, and usage counted per tenant. One per server.
//
// Both minute limits are sliding windows of 60 one-second buckets (minute_window.hpp): a
// request or token counted during second s counts until s + 60 s, and a rejection's
// retry_after_s is exactly the time until enough of the window has fallen out for the
// request to be admitted. Memory is fixed per key (about 2 KiB) and per tenant.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "security/api_key.hpp"
#include "security/minute_window.hpp"

namespace sluice::security {

class RateLimiter {
  struct KeyState;
  struct TenantState;

 public:
  using Clock = std::chrono::steady_clock;

  // The Retry-After given for max_concurrent: when a slot frees is not known in advance.
  static constexpr double kConcurrencyRetryS = 1.0;

  struct Rejection {
    std::string limit;     // "requests_per_minute" | "tokens_per_minute" | "max_concurrent"
    double retry_after_s;  // until this request would be admitted (round up for Retry-After)
  };

  // For the x-ratelimit-* response headers. Limits and remainders are -1 when unlimited;
  // reset_*_s is the time until everything counted has left the window (0 when nothing).
  struct Quota {
    int64_t limit_requests = -1;
    int64_t remaining_requests = -1;
    int64_t limit_tokens = -1;
    int64_t remaining_tokens = -1;
    double reset_requests_s = 0;
    double reset_tokens_s = 0;
  };

  // An admitted request: holds one concurrency slot until destroyed. Movable; a
  // default-constructed or moved-from Lease holds nothing.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

    // Charges prompt or generated tokens to the key's token window and its tenant's
    // usage, and updates quota().
    void add_tokens(uint64_t n, Clock::time_point now = Clock::now());
    // The key's quota after this request was counted (and after add_tokens).
    const Quota& quota() const { return quota_; }
    bool holds_slot() const { return key_ != nullptr; }

   private:
    friend class RateLimiter;
    Lease(std::shared_ptr<KeyState> key, std::shared_ptr<TenantState> tenant, Quota quota);
    void release();

    std::shared_ptr<KeyState> key_;
    std::shared_ptr<TenantState> tenant_;
    Quota quota_;
  };

  struct TenantUsage {
    std::string tenant;
    uint64_t requests = 0;  // admitted, since the server started
    uint64_t rejected = 0;  // refused by a limit
    uint64_t tokens = 0;    // charged with add_tokens
    uint32_t active = 0;    // requests in flight now
    // The last minute, summed over the tenant's keys (the same windows the limits use).
    uint64_t requests_last_minute = 0;
    uint64_t tokens_last_minute = 0;
  };

  RateLimiter();
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Checks requests_per_minute, tokens_per_minute (tokens already charged in the window
  // >= the limit) and max_concurrent; when all pass, counts the request and returns its
  // Lease. When several fail, the Rejection is the one that lasts longest.
  std::variant<Lease, Rejection> admit(const ApiKey& key, Clock::time_point now = Clock::now());

  Quota quota(const ApiKey& key, Clock::time_point now = Clock::now()) const;

  // Per tenant, sorted by name. Tenants stay listed after their keys are gone.
  std::vector<TenantUsage> usage(Clock::time_point now = Clock::now()) const;

  // Drops the windows of keys no longer in the keys file (after a reload). Leases still
  // held for them stay valid.
  void forget_keys_not_in(const std::vector<std::string>& ids);

 private:
  std::shared_ptr<KeyState> key_state(const ApiKey& key);
  std::shared_ptr<TenantState> tenant_state(const std::string& tenant);  // map_mutex_ held

  mutable std::mutex map_mutex_;  // guards keys_ and tenants_ (not what they point to)
  std::unordered_map<std::string, std::shared_ptr<KeyState>> keys_;
  std::map<std::string, std::shared_ptr<TenantState>> tenants_;
};

}  // namespace sluice::security
