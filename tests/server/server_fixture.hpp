// A real HttpServer on 127.0.0.1 (ephemeral port) serving stories260K's tokenizer over a
// FakeQueue, and a small Beast client to talk to it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "fake_queue.hpp"
#include "server/guardrail_chain.hpp"
#include "server/http_server.hpp"
#include "telemetry/metrics.hpp"

namespace sluice::test {

struct HttpResult {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  nlohmann::json json() const { return nlohmann::json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One request on a fresh connection; the whole (de-chunked) body.
HttpResult http_request(uint16_t port, const std::string& method, const std::string& target,
                        const std::string& body = {},
                        const std::vector<std::pair<std::string, std::string>>& headers = {});

// A raw TCP connection for what a well-behaved client would not do.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port);
  ~RawConnection();
  void send(const std::string& bytes);
  // Reads what arrives within `timeout`; stops early once `until` has been seen.
  std::string read(std::chrono::milliseconds timeout, const std::string& until = {});
  // True when the server closed the connection within `timeout`.
  bool closed_by_peer(std::chrono::milliseconds timeout);
  void close();

 private:
  int fd_ = -1;
};

// "POST /path HTTP/1.1" with a JSON body, as raw bytes.
std::string raw_post(const std::string& target, const std::string& body);

// The events of an SSE body: the text after "data: " of each event.
std::vector<std::string> sse_events(const std::string& body);
// The lines of an NDJSON body.
std::vector<std::string> ndjson_lines(const std::string& body);

struct ServerFixtureOptions {
  config::ServerConfig config;
  bool ready = true;
  config::AuthConfig auth;  // keys_file set: authentication on
  std::shared_ptr<const server::GuardrailChain> guardrails;
};

class ServerFixture {
 public:
  // model_path empty: the fixture is not usable (the test prints SKIPPED and returns).
  explicit ServerFixture(ServerFixtureOptions options = {});
  ~ServerFixture();

  bool ok() const { return server_ != nullptr; }
  uint16_t port() const { return port_; }
  FakeQueue& queue() { return *queue_; }
  server::HttpServer& server() { return *server_; }
  telemetry::MetricsRegistry& metrics() { return metrics_; }
  const tokenizer::Tokenizer& tokenizer() const { return *tokenizer_; }
  // Token ids of `text` without BOS (what the fake engine "generates").
  std::vector<int32_t> tokens_of(const std::string& text) const;
  void stop();

 private:
  telemetry::MetricsRegistry metrics_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::shared_ptr<FakeQueue> queue_;
  std::unique_ptr<server::HttpServer> server_;
  std::thread runner_;
  uint16_t port_ = 0;
};

}  // namespace sluice::test
