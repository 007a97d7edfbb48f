// The Ollama routes against a real listening server and a fake engine.
#include <catch2/catch.hpp>

#include "server_fixture.hpp"

using namespace sluice::test;
using nlohmann::json;

namespace {

void check_final(const json& j) {
  CHECK(j["done"] == true);
  CHECK(j["model"] == "stories260K");
  CHECK(j["created_at"].get<std::string>().back() == 'Z');
  CHECK(j["total_duration"].get<int64_t>() > 1000);
  CHECK(j["load_duration"].get<int64_t>() >= 0);
  CHECK(j["prompt_eval_count"].get<int64_t>() > 0);
  CHECK(j["prompt_eval_duration"].get<int64_t>() > 0);
  CHECK(j["eval_count"].get<int64_t>() > 0);
  CHECK(j["eval_duration"].get<int64_t>() > 0);
}

}  // namespace

TEST_CASE("/api/generate streams NDJSON by default, the last object done", "[server][ollama]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(f.port(), "POST", "/api/generate",
                              R"({"model":"stories260K","prompt":"Once","raw":true,
                                  "options":{"num_predict":4,"temperature":0,"seed":3}})");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/x-ndjson");
  const auto lines = ndjson_lines(r.body);
  REQUIRE(lines.size() >= 2);
  std::string text;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto j = json::parse(lines[i]);
    CHECK(j["done"] == (i + 1 == lines.size()));
    text += j["response"].get<std::string>();
  }
  CHECK(text == " Once upon a time");
  const auto last = json::parse(lines.back());
  check_final(last);
  CHECK(last["done_reason"] == "length");
  CHECK(last["eval_count"] == 4);
  CHECK(last["context"].size() == last["prompt_eval_count"].get<size_t>() + 4);
  const auto req = f.queue().submitted().at(0);
  CHECK(req.max_tokens == 4);
  CHECK(req.sampling.temperature == 0.0f);
  CHECK(req.sampling.seed == 3);
  // raw: the prompt as written, BOS first.
  auto expected = f.tokens_of("Once");
  expected.insert(expected.begin(), f.tokenizer().bos());
  CHECK(req.prompt == expected);
}

TEST_CASE("/api/chat without streaming: one object with the message", "[server][ollama]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(f.port(), "POST", "/api/chat",
                              R"({"model":"stories260K:latest","stream":false,
                                  "messages":[{"role":"user","content":"Hi"}]})");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  const auto j = r.json();
  check_final(j);
  CHECK(j["message"]["role"] == "assistant");
  CHECK(j["message"]["content"] == " Once upon a time there was a cat");
  CHECK(j["done_reason"] == "stop");
}

TEST_CASE("Ollama: empty prompt loads, errors are {error}, metadata routes", "[server][ollama]") {
  ServerFixture f;
  if (!f.ok()) return;
  auto r = http_request(f.port(), "POST", "/api/generate", R"({"model":"stories260K"})");
  REQUIRE(r.status == 200);
  CHECK(r.json()["done_reason"] == "load");
  CHECK(f.queue().submitted().empty());

  r = http_request(f.port(), "POST", "/api/generate", R"({"model":"no-such-model","prompt":"Hi"})");
  CHECK(r.status == 404);
  CHECK_THAT(r.json()["error"].get<std::string>(), Catch::Contains("no-such-model"));
  r = http_request(f.port(), "POST", "/api/generate",
                   R"({"prompt":"Hi","options":{"num_predict":"x"}})");
  CHECK(r.status == 400);
  CHECK_THAT(r.json()["error"].get<std::string>(), Catch::Contains("num_predict"));

  r = http_request(f.port(), "GET", "/api/tags");
  REQUIRE(r.status == 200);
  auto m = r.json()["models"][0];
  CHECK(m["name"] == "stories260K");
  CHECK(m["size"].get<int64_t>() > 0);
  CHECK(m["details"]["format"] == "gguf");
  CHECK(m["details"]["family"] == "llama");
  CHECK(m["modified_at"].is_string());

  r = http_request(f.port(), "POST", "/api/show", R"({"model":"stories260K"})");
  REQUIRE(r.status == 200);
  CHECK(r.json()["model_info"]["general.architecture"] == "llama");
  CHECK(r.json()["details"]["parameter_size"].is_string());
  r = http_request(f.port(), "POST", "/api/show", R"({"model":"nope"})");
  CHECK(r.status == 404);

  r = http_request(f.port(), "GET", "/api/ps");
  REQUIRE(r.status == 200);
  CHECK(r.json()["models"][0]["context_length"] == 256);
  r = http_request(f.port(), "GET", "/api/version");
  CHECK(r.json()["version"] == "0.0.0-test");
}

TEST_CASE("Ollama: an engine error mid-stream is an {error} line", "[server][ollama]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior failing;
  failing.tokens = f.tokens_of("Once upon");
  failing.error_after = 1;
  f.queue().set_behavior(failing);
  const auto r = http_request(f.port(), "POST", "/api/generate", R"({"prompt":"Once","raw":true})");
  REQUIRE(r.status == 200);
  const auto lines = ndjson_lines(r.body);
  REQUIRE_FALSE(lines.empty());
  const auto last = json::parse(lines.back());
  CHECK(last.contains("error"));
  CHECK_FALSE(last.contains("done_reason"));
}
