#include "server/access_control.hpp"

#include <algorithm>
#include <cmath>

#include "security/presented_key.hpp"

namespace sluice::server {

namespace http = boost::beast::http;

void AccessControl::configure(const config::AuthConfig& config) {
  std::shared_ptr<security::KeyStore> keys;
  if (!config.keys_file.empty()) keys = std::make_shared<security::KeyStore>(config.keys_file);
  std::lock_guard lock(mutex_);
  config_ = config;
  keys_ = std::move(keys);
}

bool AccessControl::enabled() const {
  std::lock_guard lock(mutex_);
  return keys_ != nullptr;
}

bool AccessControl::is_open(std::string_view path) const {
  std::lock_guard lock(mutex_);
  if (!keys_) return true;
  return std::find(config_.open_routes.begin(), config_.open_routes.end(), path) !=
         config_.open_routes.end();
}

std::shared_ptr<const security::ApiKey> AccessControl::authenticate(
    const http::request<http::string_body>& request) const {
  std::shared_ptr<security::KeyStore> keys;
  {
    std::lock_guard lock(mutex_);
    keys = keys_;
  }
  if (!keys) return nullptr;
  const auto header = [&](auto field) {
    const auto it = request.find(field);
    return it == request.end() ? std::string_view()
                               : std::string_view(it->value().data(), it->value().size());
  };
  const std::string_view presented =
      security::presented_key(header(http::field::authorization), header("X-Api-Key"));
  if (presented.empty()) return nullptr;
  return keys->authenticate(presented);
}

void AccessControl::forget_removed_keys() {
  // Called with the store just reloaded: limits of revoked keys need not be kept.
  std::vector<std::string> ids = keys_->ids();
  limiter_.forget_keys_not_in(ids);
}

bool AccessControl::reload_if_changed() {
  std::shared_ptr<security::KeyStore> keys;
  {
    std::lock_guard lock(mutex_);
    keys = keys_;
  }
  if (!keys || !keys->reload_if_changed()) return false;
  std::lock_guard lock(mutex_);
  forget_removed_keys();
  return true;
}

void AccessControl::reload() {
  std::shared_ptr<security::KeyStore> keys;
  {
    std::lock_guard lock(mutex_);
    keys = keys_;
  }
  if (!keys) return;
  keys->reload();
  std::lock_guard lock(mutex_);
  forget_removed_keys();
}

size_t AccessControl::key_count() const {
  std::lock_guard lock(mutex_);
  return keys_ ? keys_->size() : 0;
}

uint32_t AccessControl::reload_interval_s() const {
  std::lock_guard lock(mutex_);
  return config_.reload_interval_s;
}

std::vector<std::pair<std::string, std::string>> rate_limit_headers(
    const security::RateLimiter::Quota& quota) {
  std::vector<std::pair<std::string, std::string>> headers;
  const auto seconds = [](double s) {
    return std::to_string(static_cast<int64_t>(std::ceil(std::max(0.0, s)))) + "s";
  };
  if (quota.limit_requests >= 0) {
    headers.emplace_back("x-ratelimit-limit-requests", std::to_string(quota.limit_requests));
    headers.emplace_back("x-ratelimit-remaining-requests",
                         std::to_string(std::max<int64_t>(0, quota.remaining_requests)));
    headers.emplace_back("x-ratelimit-reset-requests", seconds(quota.reset_requests_s));
  }
  if (quota.limit_tokens >= 0) {
    headers.emplace_back("x-ratelimit-limit-tokens", std::to_string(quota.limit_tokens));
    headers.emplace_back("x-ratelimit-remaining-tokens",
                         std::to_string(std::max<int64_t>(0, quota.remaining_tokens)));
    headers.emplace_back("x-ratelimit-reset-tokens", seconds(quota.reset_tokens_s));
  }
  return headers;
}

}  // namespace sluice::server
