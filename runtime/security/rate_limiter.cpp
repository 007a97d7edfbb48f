#include "security/rate_limiter.hpp"

#include <algorithm>
#include <optional>
#include <unordered_set>

namespace sluice::security {

struct RateLimiter::TenantState {
  explicit TenantState(std::string n) : name(std::move(n)) {}
  const std::string name;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> tokens{0};
  std::atomic<uint32_t> active{0};
};

struct RateLimiter::KeyState {
  std::mutex mutex;  // guards everything below
  MinuteWindow requests;
  MinuteWindow tokens;
  uint32_t active = 0;
  std::shared_ptr<TenantState> tenant;
};

namespace {

RateLimiter::Quota quota_of(const KeyLimits& limits, const MinuteWindow& requests,
                            const MinuteWindow& tokens, RateLimiter::Clock::time_point now) {
  RateLimiter::Quota q;
  if (limits.requests_per_minute > 0) {
    const int64_t limit = limits.requests_per_minute;
    q.limit_requests = limit;
    q.remaining_requests = std::max<int64_t>(0, limit - static_cast<int64_t>(requests.total(now)));
    q.reset_requests_s = requests.seconds_until_empty(now);
  }
  if (limits.tokens_per_minute > 0) {
    const uint64_t limit = limits.tokens_per_minute;
    const uint64_t used = tokens.total(now);
    q.limit_tokens = static_cast<int64_t>(std::min<uint64_t>(limit, INT64_MAX));
    q.remaining_tokens =
        used >= limit ? 0 : static_cast<int64_t>(std::min<uint64_t>(limit - used, INT64_MAX));
    q.reset_tokens_s = tokens.seconds_until_empty(now);
  }
  return q;
}

}  // namespace

// ---- Lease

RateLimiter::Lease::Lease(std::shared_ptr<KeyState> key, std::shared_ptr<TenantState> tenant,
                          Quota quota)
    : key_(std::move(key)), tenant_(std::move(tenant)), quota_(quota) {}

RateLimiter::Lease::Lease(Lease&& other) noexcept
    : key_(std::move(other.key_)), tenant_(std::move(other.tenant_)), quota_(other.quota_) {}

RateLimiter::Lease& RateLimiter::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    release();
    key_ = std::move(other.key_);
    tenant_ = std::move(other.tenant_);
    quota_ = other.quota_;
  }
  return *this;
}

RateLimiter::Lease::~Lease() {
  release();
}

void RateLimiter::Lease::release() {
  if (!key_) return;
  {
    std::lock_guard lock(key_->mutex);
    --key_->active;
  }
  tenant_->active.fetch_sub(1, std::memory_order_relaxed);
  key_.reset();
  tenant_.reset();
}

void RateLimiter::Lease::add_tokens(uint64_t n, Clock::time_point now) {
  if (!key_ || n == 0) return;
  tenant_->tokens.fetch_add(n, std::memory_order_relaxed);
  std::lock_guard lock(key_->mutex);
  key_->tokens.add(now, n);
  // The limits are the ones the request was admitted under.
  KeyLimits limits;
  if (quota_.limit_requests >= 0) limits.requests_per_minute = quota_.limit_requests;
  if (quota_.limit_tokens >= 0) limits.tokens_per_minute = quota_.limit_tokens;
  quota_ = quota_of(limits, key_->requests, key_->tokens, now);
}

// ---- RateLimiter

RateLimiter::RateLimiter() = default;
RateLimiter::~RateLimiter() = default;

std::shared_ptr<RateLimiter::TenantState> RateLimiter::tenant_state(const std::string& tenant) {
  auto& slot = tenants_[tenant];
  if (!slot) slot = std::make_shared<TenantState>(tenant);
  return slot;
}

std::shared_ptr<RateLimiter::KeyState> RateLimiter::key_state(const ApiKey& key) {
  std::lock_guard lock(map_mutex_);
  auto& state = keys_[key.id];
  if (!state) state = std::make_shared<KeyState>();
  // A key moved to another tenant by a reload is counted for the new one from now on.
  std::shared_ptr<TenantState> tenant = tenant_state(key.tenant);
  std::lock_guard key_lock(state->mutex);
  if (state->tenant != tenant) state->tenant = tenant;
  return state;
}

std::variant<RateLimiter::Lease, RateLimiter::Rejection> RateLimiter::admit(const ApiKey& key,
                                                                            Clock::time_point now) {
  std::shared_ptr<KeyState> state = key_state(key);
  std::lock_guard lock(state->mutex);
  const KeyLimits& limits = key.limits;

  std::optional<Rejection> rejection;
  auto refuse = [&](const char* limit, double retry_after_s) {
    if (!rejection || retry_after_s > rejection->retry_after_s) {
      rejection = Rejection{limit, retry_after_s};
    }
  };
  if (limits.requests_per_minute > 0 && state->requests.total(now) >= limits.requests_per_minute) {
    refuse("requests_per_minute",
           state->requests.seconds_until_below(limits.requests_per_minute, now));
  }
  if (limits.tokens_per_minute > 0 && state->tokens.total(now) >= limits.tokens_per_minute) {
    refuse("tokens_per_minute", state->tokens.seconds_until_below(limits.tokens_per_minute, now));
  }
  if (limits.max_concurrent > 0 && state->active >= limits.max_concurrent) {
    refuse("max_concurrent", kConcurrencyRetryS);
  }
  if (rejection) {
    state->tenant->rejected.fetch_add(1, std::memory_order_relaxed);
    return *std::move(rejection);
  }

  state->requests.add(now, 1);
  ++state->active;
  state->tenant->requests.fetch_add(1, std::memory_order_relaxed);
  state->tenant->active.fetch_add(1, std::memory_order_relaxed);
  return Lease(state, state->tenant, quota_of(limits, state->requests, state->tokens, now));
}

RateLimiter::Quota RateLimiter::quota(const ApiKey& key, Clock::time_point now) const {
  std::shared_ptr<KeyState> state;
  {
    std::lock_guard lock(map_mutex_);
    if (auto it = keys_.find(key.id); it != keys_.end()) state = it->second;
  }
  if (!state) return quota_of(key.limits, MinuteWindow{}, MinuteWindow{}, now);
  std::lock_guard lock(state->mutex);
  return quota_of(key.limits, state->requests, state->tokens, now);
}

std::vector<RateLimiter::TenantUsage> RateLimiter::usage(Clock::time_point now) const {
  std::lock_guard lock(map_mutex_);
  std::map<const TenantState*, TenantUsage> by_tenant;
  for (const auto& [name, tenant] : tenants_) {
    TenantUsage u;
    u.tenant = name;
    u.requests = tenant->requests.load(std::memory_order_relaxed);
    u.rejected = tenant->rejected.load(std::memory_order_relaxed);
    u.tokens = tenant->tokens.load(std::memory_order_relaxed);
    u.active = tenant->active.load(std::memory_order_relaxed);
    by_tenant.emplace(tenant.get(), std::move(u));
  }
  for (const auto& [id, state] : keys_) {
    std::lock_guard key_lock(state->mutex);
    auto it = by_tenant.find(state->tenant.get());
    if (it == by_tenant.end()) continue;
    it->second.requests_last_minute += state->requests.total(now);
    it->second.tokens_last_minute += state->tokens.total(now);
  }
  std::vector<TenantUsage> out;
  out.reserve(by_tenant.size());
  for (auto& [tenant, u] : by_tenant) out.push_back(std::move(u));
  std::sort(out.begin(), out.end(),
            [](const TenantUsage& a, const TenantUsage& b) { return a.tenant < b.tenant; });
  return out;
}

void RateLimiter::forget_keys_not_in(const std::vector<std::string>& ids) {
  const std::unordered_set<std::string> keep(ids.begin(), ids.end());
  std::lock_guard lock(map_mutex_);
  std::erase_if(keys_, [&](const auto& entry) { return !keep.contains(entry.first); });
}

}  // namespace sluice::security
