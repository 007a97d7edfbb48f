// Authentication, admin rights, model allow-lists and rate limits on every route,
// against a real HttpServer over the fake engine.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "security/key_hash.hpp"
#include "server_fixture.hpp"
#include "test_support.hpp"

using namespace sluice;
using namespace sluice::test;
using namespace std::chrono_literals;

namespace {

const std::string kUserKey = "sk-user-0123456789abcdef0123456789";
const std::string kOtherKey = "sk-other-0123456789abcdef012345678";
const std::string kAdminKey = "sk-admin-0123456789abcdef012345678";
const std::string kLimitedKey = "sk-limited-0123456789abcdef0123456";

std::string key_entry(const std::string& id, const std::string& tenant, const std::string& key,
                      const std::string& extra) {
  return "[[key]]\nid = \"" + id + "\"\ntenant = \"" + tenant + "\"\nhash = \"" +
         security::hash_key(key) + "\"\n" + extra + "\n";
}

std::string keys_toml() {
  return key_entry("user", "acme", kUserKey, "models = [\"stories260K\"]") +
         key_entry("other", "globex", kOtherKey, "models = [\"some-other-model\"]") +
         key_entry("admin", "ops", kAdminKey, "admin = true") +
         key_entry("limited", "initech", kLimitedKey, "requests_per_minute = 3");
}

struct RouteCase {
  std::string method;
  std::string target;
  std::string body;
};

std::vector<RouteCase> every_route() {
  const std::string chat =
      R"({"model":"stories260K","messages":[{"role":"user","content":"hi"}],"max_tokens":2})";
  return {
      {"GET", "/v1/models", ""},
      {"POST", "/v1/chat/completions", chat},
      {"POST", "/v1/completions", R"({"model":"stories260K","prompt":"hi","max_tokens":2})"},
      {"POST", "/tokenize", R"({"content":"hi"})"},
      {"POST", "/detokenize", R"({"tokens":[1]})"},
      {"POST", "/api/generate", R"({"model":"stories260K","prompt":"hi","stream":false})"},
      {"POST", "/api/chat", R"({"model":"stories260K","messages":[],"stream":false})"},
      {"GET", "/api/tags", ""},
      {"POST", "/api/show", R"({"model":"stories260K"})"},
      {"GET", "/api/ps", ""},
      {"GET", "/api/version", ""},
      {"GET", "/metrics", ""},
      {"GET", "/ready", ""},
      {"GET", "/", ""},
      {"GET", "/admin/plugins", ""},
      {"GET", "/admin/tenants", ""},
      {"POST", "/admin/reload", ""},
      {"GET", "/no/such/route", ""},
  };
}

HttpResult call(const ServerFixture& f, const RouteCase& r,
                const std::vector<std::pair<std::string, std::string>>& headers) {
  return http_request(f.port(), r.method, r.target, r.body, headers);
}

std::pair<std::string, std::string> bearer(const std::string& key) {
  return {"Authorization", "Bearer " + key};
}

}  // namespace

TEST_CASE("every route but /health needs a valid key", "[access]") {
  ScratchDir dir;
  ServerFixtureOptions options;
  options.auth.keys_file = dir.write("keys.toml", keys_toml());
  ServerFixture f(options);
  if (!f.ok()) return;

  CHECK(http_request(f.port(), "GET", "/health").status == 200);
  for (const auto& route : every_route()) {
    INFO(route.method << " " << route.target);
    const HttpResult none = call(f, route, {});
    CHECK(none.status == 401);
    CHECK(none.header("www-authenticate") == "Bearer");
    CHECK(call(f, route, {bearer("sk-wrong")}).status == 401);
    CHECK(call(f, route, {{"X-Api-Key", "sk-wrong"}}).status == 401);
    CHECK(call(f, route, {bearer(kUserKey + "x")}).status == 401);
  }
}

TEST_CASE("a user key reaches its routes and models, not admin routes", "[access]") {
  ScratchDir dir;
  ServerFixtureOptions options;
  options.auth.keys_file = dir.write("keys.toml", keys_toml());
  ServerFixture f(options);
  if (!f.ok()) return;

  for (const auto& route : every_route()) {
    INFO(route.method << " " << route.target);
    const HttpResult user = call(f, route, {bearer(kUserKey)});
    const HttpResult by_header = call(f, route, {{"X-Api-Key", kUserKey}});
    if (route.target.rfind("/admin/", 0) == 0) {
      CHECK(user.status == 403);
      CHECK(by_header.status == 403);
    } else if (route.target == "/no/such/route") {
      CHECK(user.status == 404);
    } else {
      CHECK(user.status == 200);
      CHECK(by_header.status == 200);
    }
  }
  // The tenant is recorded and the key's model list is what it sees.
  const auto models = http_request(f.port(), "GET", "/v1/models", "", {bearer(kOtherKey)});
  REQUIRE(models.status == 200);
  CHECK(models.json()["data"].empty());
  for (const auto& route : every_route()) {
    if (route.body.find("stories260K") == std::string::npos) continue;
    INFO(route.method << " " << route.target);
    const HttpResult other = call(f, route, {bearer(kOtherKey)});
    CHECK(other.status == 403);
    CHECK(other.body.find("may not use model 'stories260K'") != std::string::npos);
  }
  CHECK(http_request(f.port(), "POST", "/tokenize", R"({"content":"hi"})", {bearer(kOtherKey)})
            .status == 403);
}

TEST_CASE("admin routes answer admin keys", "[access]") {
  ScratchDir dir;
  ServerFixtureOptions options;
  options.auth.keys_file = dir.write("keys.toml", keys_toml());
  ServerFixture f(options);
  if (!f.ok()) return;
  // Some traffic, so that the tenants have usage.
  const std::string body = R"({"model":"stories260K","prompt":"hi","max_tokens":3})";
  REQUIRE(http_request(f.port(), "POST", "/v1/completions", body, {bearer(kUserKey)}).status ==
          200);

  const auto tenants = http_request(f.port(), "GET", "/admin/tenants", "", {bearer(kAdminKey)});
  REQUIRE(tenants.status == 200);
  const auto j = tenants.json();
  CHECK(j["authentication"] == true);
  CHECK(j["keys"] == 4);
  bool found = false;
  for (const auto& t : j["tenants"]) {
    if (t["tenant"] != "acme") continue;
    found = true;
    CHECK(t["requests"].get<int>() >= 1);
    CHECK(t["tokens"].get<int>() > 0);
  }
  CHECK(found);
  const auto plugins = http_request(f.port(), "GET", "/admin/plugins", "", {bearer(kAdminKey)});
  REQUIRE(plugins.status == 200);
  CHECK(plugins.json().contains("guardrails"));
  // The fixture has no configuration file to reload from.
  CHECK(http_request(f.port(), "POST", "/admin/reload", "", {bearer(kAdminKey)}).status == 501);
}

TEST_CASE("requests_per_minute gives 429 with Retry-After and the quota", "[access]") {
  ScratchDir dir;
  ServerFixtureOptions options;
  options.auth.keys_file = dir.write("keys.toml", keys_toml());
  ServerFixture f(options);
  if (!f.ok()) return;
  for (int i = 0; i < 3; ++i) {
    const auto r = http_request(f.port(), "GET", "/v1/models", "", {bearer(kLimitedKey)});
    REQUIRE(r.status == 200);
    CHECK(r.header("x-ratelimit-limit-requests") == "3");
    CHECK(r.header("x-ratelimit-remaining-requests") == std::to_string(2 - i));
  }
  const auto limited = http_request(f.port(), "GET", "/v1/models", "", {bearer(kLimitedKey)});
  CHECK(limited.status == 429);
  const int retry_after = std::stoi(limited.header("retry-after"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  CHECK(limited.header("x-ratelimit-remaining-requests") == "0");
  CHECK(limited.body.find("requests_per_minute") != std::string::npos);
  // Another key is not affected.
  CHECK(http_request(f.port(), "GET", "/v1/models", "", {bearer(kUserKey)}).status == 200);
  CHECK(f.metrics().render_prometheus().find("sluice:rate_limited_requests_total{tenant="
                                             "\"initech\",limit=\"requests_per_minute\"} 1") !=
        std::string::npos);
}

TEST_CASE("the keys file is reloaded when it changes", "[access]") {
  ScratchDir dir;
  ServerFixtureOptions options;
  const auto file = dir.write("keys.toml", key_entry("user", "acme", kUserKey, ""));
  options.auth.keys_file = file;
  options.auth.reload_interval_s = 1;
  ServerFixture f(options);
  if (!f.ok()) return;
  const auto status_of = [&](const std::string& key) {
    return http_request(f.port(), "GET", "/v1/models", "", {bearer(key)}).status;
  };
  REQUIRE(status_of(kUserKey) == 200);
  REQUIRE(status_of(kOtherKey) == 401);

  const auto rewrite = [&](const std::string& text) {
    const auto before = std::filesystem::last_write_time(file);
    std::ofstream(file, std::ios::trunc) << text;
    // A changed mtime even on coarse file systems.
    std::filesystem::last_write_time(file, before + 2s);
  };
  const auto wait_for = [&](const std::string& key, unsigned status) {
    for (int i = 0; i < 50; ++i) {
      if (status_of(key) == status) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  rewrite(key_entry("user", "acme", kUserKey, "") + key_entry("other", "globex", kOtherKey, ""));
  CHECK(wait_for(kOtherKey, 200));
  // Revoked: refused again, without a restart.
  rewrite(key_entry("other", "globex", kOtherKey, ""));
  CHECK(wait_for(kUserKey, 401));
  CHECK(status_of(kOtherKey) == 200);
  // A broken edit keeps the keys in force.
  rewrite("[[key]]\nid = \"x\"\n");
  std::this_thread::sleep_for(1500ms);
  CHECK(status_of(kOtherKey) == 200);
}
