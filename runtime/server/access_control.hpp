// Who may call what: API keys (runtime/security) checked on every route but the open
// ones, admin routes for admin keys only, per-key rate limits taken before any body is
// parsed or tokenized, and the model allow-list. Free-threaded.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "security/api_key.hpp"
#include "security/key_store.hpp"
#include "security/rate_limiter.hpp"

namespace sluice::server {

class AccessControl {
 public:
  // Authentication is on when `config.keys_file` is set (the store loads it; throws
  // security::KeyFileError naming file, line and key).
  void configure(const config::AuthConfig& config);
  bool enabled() const;
  bool is_open(std::string_view path) const;
  static bool is_admin_route(std::string_view path) { return path.rfind("/admin/", 0) == 0; }

  // The key presented as "Authorization: Bearer KEY" or "X-Api-Key: KEY", when it is valid.
  std::shared_ptr<const security::ApiKey> authenticate(
      const boost::beast::http::request<boost::beast::http::string_body>& request) const;

  security::RateLimiter& limiter() { return limiter_; }

  // Re-reads the keys file when it changed (true when it did). Throws KeyFileError for a
  // broken file, keeping the keys in force.
  bool reload_if_changed();
  // Re-reads it unconditionally (POST /admin/reload).
  void reload();
  size_t key_count() const;
  uint32_t reload_interval_s() const;

 private:
  void forget_removed_keys();

  mutable std::mutex mutex_;
  config::AuthConfig config_;
  std::shared_ptr<security::KeyStore> keys_;  // null: authentication off
  security::RateLimiter limiter_;
};

// The x-ratelimit-* headers (OpenAI's names) for a quota.
std::vector<std::pair<std::string, std::string>> rate_limit_headers(
    const security::RateLimiter::Quota& quota);

}  // namespace sluice::server
