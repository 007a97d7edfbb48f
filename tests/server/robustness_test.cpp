// Limits, timeouts, disconnects, draining, health, metrics, tokenizer routes and the
// access log.
#include <catch2/catch.hpp>
#include <thread>

#include "server_fixture.hpp"
#include "test_support.hpp"

using namespace sluice::test;
using nlohmann::json;
using namespace std::chrono_literals;

TEST_CASE("/health is 503 loading until ready, /ready follows drain", "[server][admin]") {
  ServerFixtureOptions options;
  options.ready = false;
  ServerFixture f(options);
  if (!f.ok()) return;
  auto r = http_request(f.port(), "GET", "/health");
  CHECK(r.status == 503);
  CHECK(r.json()["status"] == "loading");
  CHECK(http_request(f.port(), "GET", "/ready").status == 503);
  f.server().set_ready(true);
  r = http_request(f.port(), "GET", "/health");
  CHECK(r.status == 200);
  CHECK(r.json()["status"] == "ok");
  CHECK(http_request(f.port(), "GET", "/ready").status == 200);
  f.server().begin_drain();
  r = http_request(f.port(), "GET", "/ready");
  CHECK(r.status == 503);
  CHECK(r.json()["status"] == "draining");
}

TEST_CASE("/tokenize and /detokenize round-trip (llama-server shapes)", "[server][admin]") {
  ServerFixture f;
  if (!f.ok()) return;
  auto r = http_request(f.port(), "POST", "/tokenize", R"({"content":"Once upon a time"})");
  REQUIRE(r.status == 200);
  const auto tokens = r.json()["tokens"];
  CHECK(tokens.get<std::vector<int32_t>>() == f.tokens_of("Once upon a time"));
  r = http_request(f.port(), "POST", "/detokenize", json{{"tokens", tokens}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.json()["content"] == "Once upon a time");
  r = http_request(f.port(), "POST", "/tokenize",
                   R"({"content":"Once","add_special":true,"with_pieces":true})");
  const auto pieces = r.json()["tokens"];
  CHECK(pieces[0]["id"] == f.tokenizer().bos());
  CHECK(pieces[1]["piece"].is_string());
  r = http_request(f.port(), "POST", "/detokenize", R"({"tokens":[100000]})");
  CHECK(r.status == 400);
}

TEST_CASE("a body over max_body_bytes is 413, a head over max_header_bytes 431",
          "[server][limits]") {
  ServerFixtureOptions options;
  options.config.max_body_bytes = 1024;
  options.config.max_header_bytes = 512;
  ServerFixture f(options);
  if (!f.ok()) return;
  const std::string big = R"({"prompt":")" + std::string(4000, 'a') + R"("})";
  auto r = http_request(f.port(), "POST", "/v1/completions", big);
  CHECK(r.status == 413);
  CHECK(r.json()["error"]["message"].is_string());

  // Sent whole, without waiting for an answer: the 413 still arrives intact.
  {
    RawConnection c(f.port());
    c.send(raw_post("/v1/completions", std::string(200000, ' ')));
    CHECK_THAT(c.read(3s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 413"));
  }
  r = http_request(f.port(), "GET", "/health", {}, {{"X-Padding", std::string(1000, 'x')}});
  CHECK(r.status == 431);
  CHECK(http_request(f.port(), "GET", "/health").status == 200);
  CHECK(f.queue().submitted().empty());
}

TEST_CASE("garbage instead of HTTP gets 400 and a closed connection", "[server][limits]") {
  ServerFixture f;
  if (!f.ok()) return;
  RawConnection c(f.port());
  c.send("HELLO THERE\r\n\r\n");
  CHECK_THAT(c.read(3s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 400"));
  CHECK(c.closed_by_peer(3s));
}

TEST_CASE("an idle connection is closed after idle_timeout_s", "[server][limits]") {
  ServerFixtureOptions options;
  options.config.idle_timeout_s = 1;
  ServerFixture f(options);
  if (!f.ok()) return;
  RawConnection quiet(f.port());
  CHECK(quiet.closed_by_peer(4s));
  // A slow client that never finishes its head is closed too.
  RawConnection slow(f.port());
  slow.send("GET /health HTTP/1.1\r\nHost: x\r\n");
  CHECK(slow.closed_by_peer(4s));
}

TEST_CASE("keep-alive: several requests on one connection", "[server][limits]") {
  ServerFixture f;
  if (!f.ok()) return;
  RawConnection c(f.port());
  for (int i = 0; i < 3; ++i) {
    c.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK_THAT(c.read(3s, "\"ok\"}"), Catch::StartsWith("HTTP/1.1 200"));
  }
}

TEST_CASE("a client that leaves mid-stream cancels its generation", "[server][disconnect]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior slow;
  slow.tokens = std::vector<int32_t>(200, f.tokens_of("cat").back());
  slow.delay = 20ms;
  f.queue().set_behavior(slow);
  {
    RawConnection c(f.port());
    c.send(raw_post("/v1/completions", R"({"prompt":"Once","max_tokens":200,"stream":true})"));
    CHECK_THAT(c.read(3s, "data: "), Catch::Contains("200 OK"));
  }
  CHECK(f.queue().wait_cancelled(1, 3s));
  // The server stays healthy and serves the next request.
  f.queue().set_behavior(FakeBehavior{f.tokens_of("Hi")});
  CHECK(http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"x"})").status == 200);
  for (int i = 0; i < 100 && f.server().active_requests() != 0; ++i)
    std::this_thread::sleep_for(20ms);
  CHECK(f.server().active_requests() == 0);
}

TEST_CASE("a client that leaves while waiting for a whole response cancels it",
          "[server][disconnect]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior hold;
  hold.hold = true;
  f.queue().set_behavior(hold);
  {
    RawConnection c(f.port());
    c.send(raw_post("/api/chat", R"({"stream":false,"messages":[{"role":"user","content":"x"}]})"));
    std::this_thread::sleep_for(100ms);
  }
  CHECK(f.queue().wait_cancelled(1, 3s));
  // The counter moves just after the cancel, on the connection's strand.
  const std::string counted = "sluice:http_client_disconnects_total{route=\"/api/chat\"} 1";
  std::string metrics;
  for (int i = 0; i < 100 && metrics.find(counted) == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);
    metrics = http_request(f.port(), "GET", "/metrics").body;
  }
  CHECK_THAT(metrics, Catch::Contains(counted));
}

TEST_CASE("draining refuses new requests and lets running streams finish", "[server][drain]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior slow;
  slow.tokens = f.tokens_of("Once upon a time there was a cat");
  slow.delay = 30ms;
  f.queue().set_behavior(slow);
  RawConnection running(f.port());
  running.send(raw_post("/v1/completions", R"({"prompt":"Once","max_tokens":50,"stream":true})"));
  CHECK_THAT(running.read(3s, "data: "), Catch::Contains("200 OK"));
  f.server().begin_drain();
  auto r = http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"Once"})");
  CHECK(r.status == 503);
  CHECK(r.header("connection") == "close");
  r = http_request(f.port(), "POST", "/api/generate", R"({"prompt":"Once"})");
  CHECK(r.status == 503);
  CHECK(r.json()["error"].is_string());
  CHECK(http_request(f.port(), "GET", "/metrics").status == 200);
  // The running stream still ends normally.
  CHECK_THAT(running.read(5s, "data: [DONE]"), Catch::Contains("data: [DONE]"));
  CHECK(f.queue().cancelled().empty());
}

TEST_CASE("stop() closes open streams, cancels their requests and returns run()",
          "[server][drain]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior hold;
  hold.hold = true;
  f.queue().set_behavior(hold);
  RawConnection c(f.port());
  c.send(raw_post("/v1/completions", R"({"prompt":"Once","stream":true})"));
  CHECK_THAT(c.read(3s, "\r\n\r\n"), Catch::StartsWith("HTTP/1.1 200"));
  const auto started = std::chrono::steady_clock::now();
  f.stop();
  CHECK(std::chrono::steady_clock::now() - started < 3s);
  CHECK(f.queue().wait_cancelled(1, 3s));
  CHECK(c.closed_by_peer(3s));
}

TEST_CASE("/metrics is Prometheus text with the HTTP instruments", "[server][admin]") {
  ServerFixture f;
  if (!f.ok()) return;
  http_request(f.port(), "GET", "/health");
  http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"x","max_tokens":"ten"})");
  // A request is counted once its response is written, so the client may see the answer
  // a moment before the counter moves: scrape until it has (bounded).
  const std::string counted =
      "sluice:http_requests_total{route=\"/v1/completions\",status=\"400\"} 1";
  auto r = http_request(f.port(), "GET", "/metrics");
  for (int i = 0; i < 100 && r.body.find(counted) == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    r = http_request(f.port(), "GET", "/metrics");
  }
  REQUIRE(r.status == 200);
  CHECK_THAT(r.header("content-type"), Catch::StartsWith("text/plain; version=0.0.4"));
  CHECK_THAT(r.body,
             Catch::Contains("sluice:http_requests_total{route=\"/health\",status=\"200\"} 1"));
  CHECK_THAT(r.body, Catch::Contains(
                         "sluice:http_requests_total{route=\"/v1/completions\",status=\"400\"} 1"));
  CHECK_THAT(r.body, Catch::Contains("sluice:http_request_duration_seconds_bucket"));
  CHECK_THAT(r.body, Catch::Contains("sluice:http_connections_active"));
}

TEST_CASE("each request writes one JSON access log line", "[server][admin]") {
  LogCapture capture;
  ServerFixture f;
  if (!f.ok()) return;
  http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"Once","max_tokens":3})");
  f.stop();
  std::optional<json> line;
  for (const auto& l : capture.lines()) {
    const auto brace = l.find("{\"request_id\"");
    if (brace != std::string::npos && l.find("/v1/completions") != std::string::npos)
      line = json::parse(l.substr(brace));
  }
  REQUIRE(line);
  CHECK((*line)["route"] == "/v1/completions");
  CHECK((*line)["model"] == "stories260K");
  CHECK((*line)["status"] == 200);
  CHECK((*line)["generated_tokens"] == 3);
  CHECK((*line)["prompt_tokens"].get<int>() > 0);
  CHECK((*line)["finish_reason"] == "length");
  CHECK((*line)["tenant"] == "");
  for (const char* key : {"queue_ms", "prompt_ms", "generation_ms", "ttft_ms", "total_ms"})
    CHECK((*line)[key].is_number());
}

TEST_CASE("listen() on a port in use throws a message naming the address", "[server]") {
  ServerFixture f;
  if (!f.ok()) return;
  sluice::telemetry::MetricsRegistry metrics;
  sluice::config::ServerConfig config;
  config.host = "127.0.0.1";
  config.port = f.port();
  sluice::server::HttpServer second({config, "x"}, metrics);
  try {
    second.listen();
    FAIL("listen succeeded on a port in use");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(f.port())));
  }
}
