// The guardrail chain in the serving path, through the C ABI (test-filter-guardrail):
// denials become the client's 4xx, rewrites reach the engine, streamed output never
// carries text a guardrail held back or redacted, stops end with content_filter, and
// every request's end is told to the chain.
#include <catch2/catch.hpp>

#include "server/guardrail_chain.hpp"
#include "server_fixture.hpp"
#include "test_support.hpp"

using namespace sluice;
using namespace sluice::test;
using json = nlohmann::json;

namespace {

std::shared_ptr<server::GuardrailChain> chain_of(const std::vector<std::string>& configs) {
  std::vector<std::shared_ptr<server::Guardrail>> entries;
  for (const auto& config : configs) {
    auto library = load_plugin(test_plugin("test-filter-guardrail"), "test-filter-guardrail");
    entries.push_back(std::make_shared<server::Guardrail>(library, config));
  }
  return std::make_shared<server::GuardrailChain>(std::move(entries));
}

// A chat body; `extra` holds more top-level fields.
std::string chat_body(const std::string& content, const json& extra = json::object()) {
  json body = {{"model", "stories260K"}, {"messages", {{{"role", "user"}, {"content", content}}}}};
  body.update(extra);
  return body.dump();
}

// The streamed content of an SSE chat response, and its finish reason.
std::pair<std::string, std::string> streamed(const std::string& body,
                                             std::vector<std::string>* deltas = nullptr) {
  std::string text, finish;
  for (const auto& event : sse_events(body)) {
    if (event == "[DONE]") continue;
    const auto chunk = json::parse(event);
    if (chunk.contains("error")) return {text, "error: " + chunk.dump()};
    if (chunk["choices"].empty()) continue;
    const auto& choice = chunk["choices"][0];
    if (choice["delta"].contains("content")) {
      const auto piece = choice["delta"]["content"].get<std::string>();
      text += piece;
      if (deltas) deltas->push_back(text);
    }
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
  }
  return {text, finish};
}

}  // namespace

TEST_CASE("a denying guardrail answers the client with its status and reason",
          "[server][guardrails]") {
  LogCapture logs;
  ServerFixtureOptions options;
  options.guardrails = chain_of({R"({"deny":"forbidden"})", "{}"});
  ServerFixture f(options);
  if (!f.ok()) return;
  const auto r =
      http_request(f.port(), "POST", "/v1/chat/completions", chat_body("a forbidden word"));
  CHECK(r.status == 403);
  CHECK(r.body.find("guardrail test-filter-guardrail: found forbidden") != std::string::npos);
  CHECK(f.queue().submitted().empty());
  // Both streams heard the end, the second without having been asked (an earlier denial).
  int completes = 0;
  for (const auto& line : logs.lines())
    if (line.find("complete status=403 finish=denied decisions=1") != std::string::npos)
      ++completes;
  CHECK(completes == 2);
  // Ollama's route goes through the same chain.
  const json ollama = {{"model", "stories260K"}, {"prompt", "forbidden"}, {"stream", false}};
  CHECK(http_request(f.port(), "POST", "/api/generate", ollama.dump()).status == 403);
  const json completion = {{"model", "stories260K"}, {"prompt", "so forbidden"}};
  CHECK(http_request(f.port(), "POST", "/v1/completions", completion.dump()).status == 403);
  CHECK(
      f.metrics().render_prometheus().find(
          "sluice:guardrail_decisions_total{guardrail=\"test-filter-guardrail\",stage=\"request\","
          "action=\"deny\"} 3") != std::string::npos);
}

TEST_CASE("a rewrite reaches the engine, and the next guardrail sees it", "[server][guardrails]") {
  ServerFixtureOptions options;
  // The second guardrail denies what the first one writes: it must see the rewrite.
  options.guardrails = chain_of({R"({"from":"cat","to":"dog"})", R"({"deny":"wolf"})"});
  ServerFixture f(options);
  if (!f.ok()) return;
  auto r = http_request(f.port(), "POST", "/v1/chat/completions",
                        chat_body("the cat sat", {{"max_tokens", 2}}));
  REQUIRE(r.status == 200);
  const auto submitted = f.queue().submitted();
  REQUIRE(submitted.size() == 1);
  const std::string prompt = f.tokenizer().detokenize(submitted[0].prompt);
  CHECK(prompt.find("the dog sat") != std::string::npos);
  CHECK(prompt.find("cat") == std::string::npos);

  ServerFixtureOptions second;
  second.guardrails = chain_of({R"({"from":"cat","to":"wolf"})", R"({"deny":"wolf"})"});
  ServerFixture g(second);
  r = http_request(g.port(), "POST", "/v1/chat/completions", chat_body("the cat sat"));
  CHECK(r.status == 403);
}

TEST_CASE("streamed output never shows text a guardrail holds or redacts", "[server][guardrails]") {
  // The fake engine says " Once upon a time there was a cat", a token at a time; "time"
  // arrives split over tokens, so the guardrail must hold "t", "ti", ... back.
  for (const std::string word : {"time", "upon a", "cat", "e t"}) {
    INFO(word);
    LogCapture logs;
    ServerFixtureOptions options;
    options.guardrails = chain_of({json{{"word", word}}.dump()});
    ServerFixture f(options);
    if (!f.ok()) return;
    const auto r =
        http_request(f.port(), "POST", "/v1/chat/completions", chat_body("hi", {{"stream", true}}));
    REQUIRE(r.status == 200);
    std::vector<std::string> prefixes;
    const auto [text, finish] = streamed(r.body, &prefixes);
    std::string expected = " Once upon a time there was a cat";
    expected.replace(expected.find(word), word.size(), "[X]");
    CHECK(text == expected);
    CHECK(finish == "stop");
    for (const auto& sent : prefixes) CHECK(sent.find(word) == std::string::npos);
    // Not streamed: the same text.
    const auto whole = http_request(f.port(), "POST", "/v1/chat/completions", chat_body("hi"));
    REQUIRE(whole.status == 200);
    CHECK(whole.json()["choices"][0]["message"]["content"] == expected);
    CHECK(logs.contains("finish=stop decisions=1 response=" + expected));
  }
}

TEST_CASE("a stopping guardrail ends the stream with content_filter", "[server][guardrails]") {
  LogCapture logs;
  ServerFixtureOptions options;
  options.guardrails = chain_of({R"({"word":"there","mode":"stop"})"});
  ServerFixture f(options);
  if (!f.ok()) return;
  const auto r =
      http_request(f.port(), "POST", "/v1/chat/completions", chat_body("hi", {{"stream", true}}));
  REQUIRE(r.status == 200);
  const auto [text, finish] = streamed(r.body);
  CHECK(text == " Once upon a time ");
  CHECK(finish == "content_filter");
  CHECK(logs.contains("finish=content_filter decisions=1 response= Once upon a time "));
  // Ollama says the same in done_reason.
  const json ollama = {{"model", "stories260K"}, {"prompt", "hi"}, {"stream", false}};
  const auto o = http_request(f.port(), "POST", "/api/generate", ollama.dump());
  REQUIRE(o.status == 200);
  CHECK(o.json()["response"] == " Once upon a time ");
  CHECK(o.json()["done_reason"] == "content_filter");
}

TEST_CASE("what output guardrails cannot vet is refused", "[server][guardrails]") {
  ServerFixtureOptions options;
  options.guardrails = chain_of({R"({"word":"time"})"});
  ServerFixture f(options);
  if (!f.ok()) return;
  auto r = http_request(f.port(), "POST", "/v1/chat/completions", chat_body("hi", {{"n", 2}}));
  CHECK(r.status == 400);
  CHECK(r.body.find("\"param\":\"n\"") != std::string::npos);
  r = http_request(f.port(), "POST", "/v1/chat/completions", chat_body("hi", {{"logprobs", true}}));
  CHECK(r.status == 400);
  const json ids = {{"model", "stories260K"}, {"prompt", {1, 2, 3}}};
  r = http_request(f.port(), "POST", "/v1/completions", ids.dump());
  CHECK(r.status == 400);
  CHECK(r.body.find("token ids cannot be checked") != std::string::npos);
  CHECK(f.queue().submitted().empty());
}

#ifdef SLUICE_PII_PLUGIN
TEST_CASE("the pii guardrail redacts entities split over streamed tokens", "[server][guardrails]") {
  auto library = load_plugin(SLUICE_PII_PLUGIN, "pii");
  ServerFixtureOptions options;
  options.guardrails =
      std::make_shared<server::GuardrailChain>(std::vector<std::shared_ptr<server::Guardrail>>{
          std::make_shared<server::Guardrail>(library, "{}")});
  ServerFixture f(options);
  if (!f.ok()) return;
  const std::vector<std::string> secrets = {"john.doe@example.com", "4111 1111 1111 1111"};
  const std::string said = " Write to john.doe@example.com and pay with 4111 1111 1111 1111 today.";
  FakeBehavior behavior;
  behavior.tokens = f.tokens_of(said);
  f.queue().set_behavior(behavior);
  const auto r = http_request(f.port(), "POST", "/v1/chat/completions",
                              chat_body("hi", {{"stream", true}, {"max_tokens", 200}}));
  REQUIRE(r.status == 200);
  std::vector<std::string> prefixes;
  const auto [text, finish] = streamed(r.body, &prefixes);
  CHECK(finish == "stop");
  for (const auto& secret : secrets) {
    CHECK(text.find(secret) == std::string::npos);
    for (const auto& sent : prefixes) CHECK(sent.find(secret) == std::string::npos);
    // Nor any 8-byte piece of it: no partial leak before the match completed.
    for (size_t at = 0; at + 8 <= secret.size(); ++at)
      CHECK(r.body.find(secret.substr(at, 8)) == std::string::npos);
  }
  CHECK(text.find("Write to ") != std::string::npos);
  CHECK(text.find(" today.") != std::string::npos);
  // A prompt's entity is rewritten before the model sees it.
  const auto before = f.queue().submitted().size();
  REQUIRE(http_request(f.port(), "POST", "/v1/chat/completions",
                       chat_body("mail me at jane@example.org", {{"max_tokens", 1}}))
              .status == 200);
  const auto submitted = f.queue().submitted();
  REQUIRE(submitted.size() == before + 1);
  CHECK(f.tokenizer().detokenize(submitted.back().prompt).find("jane@example.org") ==
        std::string::npos);
}
#endif
