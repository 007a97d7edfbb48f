// The OpenAI routes against a real listening server and a fake engine.
#include <catch2/catch.hpp>
#include <set>

#include "server_fixture.hpp"

using namespace sluice::test;
using nlohmann::json;

namespace {

const std::string kChat = R"({"model":"stories260K","messages":[{"role":"user","content":"Hi"}])";

std::string chat_body(const std::string& extra = {}) {
  return kChat + extra + "}";
}

}  // namespace

TEST_CASE("GET /v1/models lists the served model", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(f.port(), "GET", "/v1/models");
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  const auto j = r.json();
  CHECK(j["object"] == "list");
  REQUIRE(j["data"].size() == 1);
  CHECK(j["data"][0]["id"] == "stories260K");
  CHECK(j["data"][0]["object"] == "model");
  CHECK(j["data"][0]["owned_by"].is_string());
  CHECK(j["data"][0]["created"].is_number());
}

TEST_CASE("chat completion, not streamed: text, usage, timings", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(f.port(), "POST", "/v1/chat/completions", chat_body());
  REQUIRE(r.status == 200);
  CHECK_FALSE(r.header("x-request-id").empty());
  const auto j = r.json();
  CHECK(j["object"] == "chat.completion");
  CHECK(j["model"] == "stories260K");
  CHECK(j["choices"][0]["message"]["role"] == "assistant");
  CHECK(j["choices"][0]["message"]["content"] == " Once upon a time there was a cat");
  CHECK(j["choices"][0]["finish_reason"] == "stop");
  const auto n = static_cast<int>(f.tokens_of("Once upon a time there was a cat").size());
  CHECK(j["usage"]["completion_tokens"] == n);
  CHECK(j["usage"]["total_tokens"] ==
        j["usage"]["prompt_tokens"].get<int>() + j["usage"]["completion_tokens"].get<int>());
  CHECK(j["timings"]["predicted_n"] == n);
  CHECK(j["timings"]["predicted_ms"].get<double>() > 0);
  for (const char* key :
       {"queue_ms", "prompt_n", "prompt_ms", "cached_n", "ttft_ms", "predicted_per_second"})
    CHECK(j["timings"].contains(key));

  // The prompt went through ChatML (the model has no template) with BOS first.
  const auto submitted = f.queue().submitted();
  REQUIRE(submitted.size() == 1);
  const auto& prompt = submitted[0].prompt;
  CHECK(prompt.front() == f.tokenizer().bos());
  CHECK(j["usage"]["prompt_tokens"] == static_cast<int>(prompt.size()));
  CHECK(submitted[0].max_tokens == -1);
}

TEST_CASE("chat completion, streamed: SSE chunks, usage last, [DONE]", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(f.port(), "POST", "/v1/chat/completions",
                              chat_body(R"(,"stream":true,"stream_options":{"include_usage":true},
                                          "max_tokens":4)"));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "text/event-stream");
  CHECK(r.header("transfer-encoding") == "chunked");
  const auto events = sse_events(r.body);
  REQUIRE(events.size() >= 4);
  CHECK(events.back() == "[DONE]");
  std::string text;
  std::set<std::string> ids;
  int usage_chunks = 0;
  std::string finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const auto chunk = json::parse(events[i]);
    CHECK(chunk["object"] == "chat.completion.chunk");
    ids.insert(chunk["id"].get<std::string>());
    if (!chunk["usage"].is_null()) {
      ++usage_chunks;
      CHECK(i + 2 == events.size());  // the last one before [DONE]
      CHECK(chunk["choices"].empty());
      CHECK(chunk["usage"]["completion_tokens"] == 4);
      continue;
    }
    const auto& choice = chunk["choices"][0];
    if (choice["delta"].contains("content")) text += choice["delta"]["content"].get<std::string>();
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
  }
  CHECK(ids.size() == 1);
  CHECK(usage_chunks == 1);
  CHECK(finish == "length");
  CHECK(text == " Once upon a time");
  CHECK(json::parse(events[0])["choices"][0]["delta"]["role"] == "assistant");
}

TEST_CASE("completions: n choices with seeds seed+i, stop strings passed on", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(
      f.port(), "POST", "/v1/completions",
      R"({"prompt":"Once","n":3,"seed":100,"max_tokens":3,"stop":["zz","yy"],"temperature":0.5,
          "top_k":5,"top_p":0.9,"min_p":0.2,"frequency_penalty":0.5,"presence_penalty":0.25,
          "repetition_penalty":1.3})");
  REQUIRE(r.status == 200);
  const auto j = r.json();
  CHECK(j["object"] == "text_completion");
  REQUIRE(j["choices"].size() == 3);
  CHECK(j["usage"]["completion_tokens"] == 9);
  const auto submitted = f.queue().submitted();
  REQUIRE(submitted.size() == 3);
  std::set<uint64_t> seeds;
  for (const auto& req : submitted) {
    seeds.insert(req.sampling.seed);
    CHECK(req.max_tokens == 3);
    CHECK(req.stop == std::vector<std::string>{"zz", "yy"});
    CHECK(req.sampling.temperature == 0.5f);
    CHECK(req.sampling.top_k == 5);
    CHECK(req.sampling.top_p == Approx(0.9f));
    CHECK(req.sampling.min_p == Approx(0.2f));
    CHECK(req.sampling.frequency_penalty == 0.5f);
    CHECK(req.sampling.presence_penalty == 0.25f);
    CHECK(req.sampling.repeat_penalty == Approx(1.3f));
    CHECK(req.prompt.front() == f.tokenizer().bos());
  }
  CHECK(seeds == std::set<uint64_t>{100, 101, 102});
}

TEST_CASE("logprobs: chat content entries and completions arrays", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  auto r = http_request(f.port(), "POST", "/v1/chat/completions",
                        chat_body(R"(,"max_tokens":3,"logprobs":true,"top_logprobs":2)"));
  REQUIRE(r.status == 200);
  auto j = r.json();
  const auto& content = j["choices"][0]["logprobs"]["content"];
  REQUIRE(content.size() == 3);
  CHECK(content[0]["token"].is_string());
  CHECK(content[0]["logprob"].get<double>() <= 0);
  CHECK(content[0]["bytes"].is_array());
  CHECK(content[0]["top_logprobs"].size() == 2);
  CHECK(f.queue().submitted().back().logprobs == 2);

  r = http_request(f.port(), "POST", "/v1/completions",
                   R"({"prompt":"Once","max_tokens":3,"logprobs":1})");
  REQUIRE(r.status == 200);
  j = r.json();
  const auto& lp = j["choices"][0]["logprobs"];
  REQUIRE(lp["tokens"].size() == 3);
  std::string joined;
  for (const auto& t : lp["tokens"]) joined += t.get<std::string>();
  CHECK(joined == j["choices"][0]["text"]);
  CHECK(lp["token_logprobs"].size() == 3);
  CHECK(lp["top_logprobs"][0].size() == 1);
  CHECK(lp["text_offset"][0] == 0);
}

TEST_CASE("timings_per_token adds a time per generated token", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  const auto r = http_request(f.port(), "POST", "/v1/completions",
                              R"({"prompt":"Once","max_tokens":4,"timings_per_token":true})");
  REQUIRE(r.status == 200);
  const auto times = r.json()["timings"]["token_ms"];
  REQUIRE(times.size() == 4);
  CHECK(times[3].get<double>() >= times[0].get<double>());
}

TEST_CASE("errors: 400 naming the field, 404 for an unknown model, 405", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  auto r =
      http_request(f.port(), "POST", "/v1/chat/completions", chat_body(R"(,"temperature":"hot")"));
  CHECK(r.status == 400);
  CHECK(r.header("content-type") == "application/json");
  auto j = r.json();
  CHECK_THAT(j["error"]["message"].get<std::string>(), Catch::Contains("temperature"));
  CHECK(j["error"]["param"] == "temperature");
  CHECK(j["error"]["type"] == "invalid_request_error");
  CHECK(j["error"]["code"] == 400);

  r = http_request(f.port(), "POST", "/v1/completions", R"({"model":"x","prompt":)");
  CHECK(r.status == 400);
  r = http_request(f.port(), "POST", "/v1/completions", "{\"prompt\": \"\xc3\x28\"}");
  CHECK(r.status == 400);
  r = http_request(f.port(), "POST", "/v1/completions", R"({"prompt":[1, 99999]})");
  CHECK(r.status == 400);
  CHECK_THAT(r.body, Catch::Contains("prompt[1]"));

  r = http_request(f.port(), "POST", "/v1/chat/completions",
                   R"({"model":"no-such-model","messages":[{"role":"user","content":"Hi"}],
                       "stream":true})");
  CHECK(r.status == 404);
  CHECK_THAT(r.json()["error"]["message"].get<std::string>(), Catch::Contains("no-such-model"));

  r = http_request(f.port(), "GET", "/v1/chat/completions");
  CHECK(r.status == 405);
  CHECK(r.header("allow") == "POST");
  r = http_request(f.port(), "GET", "/no/such/route");
  CHECK(r.status == 404);
  CHECK(f.queue().submitted().empty());
}

TEST_CASE("a full queue is 503 with Retry-After; an invalid request 400", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior full;
  full.status = sluice::engine::SubmitStatus::queue_full;
  full.retry_after_s = 7;
  f.queue().set_behavior(full);
  auto r = http_request(f.port(), "POST", "/v1/chat/completions", chat_body());
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "7");
  CHECK(r.json()["error"]["message"].is_string());

  FakeBehavior invalid;
  invalid.status = sluice::engine::SubmitStatus::invalid;
  f.queue().set_behavior(invalid);
  r = http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"Hi"})");
  CHECK(r.status == 400);
}

TEST_CASE("an engine error mid-stream is an error event, never a normal end", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior failing;
  failing.tokens = f.tokens_of("Once upon a time");
  failing.error_after = 2;
  failing.error_message = "device lost";
  f.queue().set_behavior(failing);
  auto r = http_request(f.port(), "POST", "/v1/completions",
                        R"({"prompt":"Once","max_tokens":10,"stream":true})");
  REQUIRE(r.status == 200);
  const auto events = sse_events(r.body);
  REQUIRE_FALSE(events.empty());
  CHECK(events.back() != "[DONE]");
  const auto last = json::parse(events.back());
  CHECK_THAT(last["error"]["message"].get<std::string>(), Catch::Contains("device lost"));
  for (size_t i = 0; i + 1 < events.size(); ++i)
    CHECK(json::parse(events[i])["choices"][0]["finish_reason"].is_null());

  // Not streamed: a 500 with the message, no choices.
  r = http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"Once","max_tokens":10})");
  CHECK(r.status == 500);
  CHECK_THAT(r.json()["error"]["message"].get<std::string>(), Catch::Contains("device lost"));
}

TEST_CASE("held-back text released at the end is sent before the finish", "[server][openai]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior behavior;
  behavior.tokens = f.tokens_of("Once");
  behavior.final_text = " upon";
  f.queue().set_behavior(behavior);
  auto r = http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"x"})");
  REQUIRE(r.status == 200);
  CHECK(r.json()["choices"][0]["text"] == " Once upon");
  r = http_request(f.port(), "POST", "/v1/completions", R"({"prompt":"x","stream":true})");
  std::string text;
  for (const auto& e : sse_events(r.body))
    if (e != "[DONE]") text += json::parse(e)["choices"][0]["text"].get<std::string>();
  CHECK(text == " Once upon");
}
