// Request validation without a server: types, bounds and the field each error names.
#include <catch2/catch.hpp>

#include "server/api_error.hpp"
#include "server/engine_requests.hpp"
#include "server/prompt_builder.hpp"
#include "server/request_parse.hpp"

using namespace sluice::server;

namespace {

// The message of the ApiError `fn` throws ("" when it throws none).
template <typename Fn>
std::string error_of(Fn&& fn, unsigned* status = nullptr) {
  try {
    fn();
  } catch (const ApiError& e) {
    if (status) *status = e.status();
    return e.what();
  }
  return {};
}

Json body(const char* text) {
  return parse_json_body(text);
}

const RequestLimits kLimits{4, 5};

}  // namespace

TEST_CASE("request bodies must be JSON objects within the depth bound", "[parse]") {
  unsigned status = 0;
  CHECK_THAT(error_of([] { parse_json_body("{\"a\": "); }, &status),
             Catch::Contains("invalid JSON"));
  CHECK(status == 400);
  CHECK_THAT(error_of([] { parse_json_body("[1, 2]"); }), Catch::Contains("JSON object"));
  CHECK_THAT(error_of([] { parse_json_body(std::string(200, '[') + std::string(200, ']')); }),
             Catch::Contains("nested deeper"));
  CHECK_THAT(error_of([] { parse_json_body("{\"prompt\": \"\xff\xfe\"}"); }),
             Catch::Contains("invalid JSON"));
  CHECK_THAT(error_of([] { parse_json_body(R"({"prompt": "\ud800"})"); }),
             Catch::Contains("invalid JSON"));
  CHECK(error_of([] { parse_json_body(R"({"s": "[[[[not depth"})"); }).empty());
  // A number beyond a double is a 400, not an exception escaping the parser.
  CHECK_THAT(error_of([] { parse_json_body(R"({"prompt":[[6666e66666666666]]})"); }),
             Catch::StartsWith("invalid JSON"));
}

TEST_CASE("chat completion fields are typed and bounded, errors name the field", "[parse]") {
  auto chat = [](const std::string& extra) {
    return [extra] {
      parse_chat_completion(
          parse_json_body(R"({"messages":[{"role":"user","content":"Hi"}])" + extra + "}"),
          kLimits);
    };
  };
  CHECK_THAT(error_of(chat(R"(,"temperature":"hot")")), Catch::StartsWith("temperature:"));
  CHECK_THAT(error_of(chat(R"(,"priority":"high")")), Catch::StartsWith("priority:"));
  CHECK_THAT(error_of(chat(R"(,"priority":2000000)")), Catch::StartsWith("priority:"));
  CHECK_THAT(error_of(chat(R"(,"temperature":2.5)")), Catch::StartsWith("temperature:"));
  CHECK_THAT(error_of(chat(R"(,"top_p":1.5)")), Catch::StartsWith("top_p:"));
  CHECK_THAT(error_of(chat(R"(,"max_tokens":-5)")), Catch::StartsWith("max_tokens:"));
  CHECK_THAT(error_of(chat(R"(,"max_tokens":2.5)")), Catch::StartsWith("max_tokens:"));
  CHECK_THAT(error_of(chat(R"(,"max_completion_tokens":0)")),
             Catch::StartsWith("max_completion_tokens:"));
  CHECK_THAT(error_of(chat(R"(,"n":5)")), Catch::StartsWith("n:"));
  CHECK_THAT(error_of(chat(R"(,"logprobs":true,"top_logprobs":6)")),
             Catch::StartsWith("top_logprobs:"));
  CHECK_THAT(error_of(chat(R"(,"top_logprobs":2)")), Catch::StartsWith("top_logprobs:"));
  CHECK_THAT(error_of(chat(R"(,"stream":1)")), Catch::StartsWith("stream:"));
  CHECK_THAT(error_of(chat(R"(,"stop":[1])")), Catch::StartsWith("stop[0]:"));
  CHECK_THAT(error_of(chat(R"(,"presence_penalty":-3)")), Catch::StartsWith("presence_penalty:"));
  CHECK_THAT(error_of(chat(R"(,"repetition_penalty":0)")),
             Catch::StartsWith("repetition_penalty:"));
  CHECK_THAT(error_of(chat(R"(,"stream_options":{"include_usage":"yes"})")),
             Catch::StartsWith("stream_options.include_usage:"));
  CHECK_THAT(error_of(chat(R"(,"logit_bias":{"12":5})")), Catch::StartsWith("logit_bias:"));
  CHECK_THAT(error_of(chat(R"(,"response_format":{"type":"json_object"})")),
             Catch::StartsWith("response_format:"));
  CHECK_THAT(error_of([] { parse_chat_completion(body(R"({"messages":"Hi"})"), kLimits); }),
             Catch::StartsWith("messages:"));
  CHECK_THAT(error_of([] { parse_chat_completion(body(R"({"messages":[]})"), kLimits); }),
             Catch::StartsWith("messages:"));
  CHECK_THAT(
      error_of([] { parse_chat_completion(body(R"({"messages":[{"content":"x"}]})"), kLimits); }),
      Catch::StartsWith("messages[0].role:"));
  CHECK_THAT(error_of([] {
               parse_chat_completion(
                   body(R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})"),
                   kLimits);
             }),
             Catch::StartsWith("messages[0].content[0].type:"));
}

TEST_CASE("chat completion requests normalise messages and read every option", "[parse]") {
  const auto req = parse_chat_completion(body(R"({
    "model": "m", "messages": [
      {"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
      {"role": "assistant", "content": null, "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{\"x\": 1}"}}]}],
    "temperature": 0, "top_p": 0.5, "top_k": 7, "min_p": 0.1, "seed": 42, "n": 2,
    "max_completion_tokens": 9, "stop": "END", "stream": true,
    "stream_options": {"include_usage": true}, "logprobs": true, "top_logprobs": 3,
    "presence_penalty": 0.5, "frequency_penalty": -0.5, "repetition_penalty": 1.1,
    "timings_per_token": true, "user": "someone", "tools": [{"type": "function"}]})"),
                                         kLimits);
  CHECK(*req.gen.model == "m");
  CHECK(req.messages[0]["content"] == "ab");
  CHECK(req.messages[1]["content"] == "");
  CHECK(req.messages[1]["tool_calls"][0]["function"]["arguments"]["x"] == 1);
  CHECK(req.gen.sampling.temperature == 0.0f);
  CHECK(req.gen.sampling.top_p == 0.5f);
  CHECK(req.gen.sampling.top_k == 7);
  CHECK(req.gen.sampling.min_p == Approx(0.1f));
  CHECK(*req.gen.seed == 42);
  CHECK(req.gen.n == 2);
  CHECK(req.gen.max_tokens == 9);
  CHECK(req.gen.stop == std::vector<std::string>{"END"});
  CHECK(req.gen.stream);
  CHECK(req.gen.include_usage);
  CHECK(req.gen.logprobs == 3);
  CHECK(req.gen.sampling.presence_penalty == 0.5f);
  CHECK(req.gen.sampling.frequency_penalty == -0.5f);
  CHECK(req.gen.sampling.repeat_penalty == Approx(1.1f));
  CHECK(req.gen.timings_per_token);
  CHECK(req.tools.is_array());
}

TEST_CASE("a request's priority reaches the engine request", "[parse]") {
  const auto req = parse_completion(body(R"({"prompt":"Hi","priority":-3,"n":2})"), kLimits);
  CHECK(req.gen.priority == -3);
  const auto engine_requests = make_engine_requests(req.gen, {1, 2}, "req-1");
  REQUIRE(engine_requests.size() == 2);
  CHECK(engine_requests[1].priority == -3);
  CHECK(parse_completion(body(R"({"prompt":"Hi"})"), kLimits).gen.priority == 0);
}

TEST_CASE("completion prompts: text, one-element arrays, token ids", "[parse]") {
  auto prompt_of = [](const char* text) { return parse_completion(body(text), kLimits).prompt; };
  CHECK(std::get<std::string>(prompt_of(R"({"prompt":"Hi"})")) == "Hi");
  CHECK(std::get<std::string>(prompt_of(R"({"prompt":["Hi"]})")) == "Hi");
  CHECK(std::get<std::vector<int32_t>>(prompt_of(R"({"prompt":[1,2,3]})")).size() == 3);
  CHECK(std::get<std::vector<int32_t>>(prompt_of(R"({"prompt":[[5,6]]})")).size() == 2);
  CHECK(parse_completion(body(R"({"prompt":"Hi"})"), kLimits).gen.max_tokens == 16);
  CHECK_THAT(error_of([&] { prompt_of(R"({})"); }), Catch::StartsWith("prompt:"));
  CHECK_THAT(error_of([&] { prompt_of(R"({"prompt":["a","b"]})"); }), Catch::StartsWith("prompt:"));
  CHECK_THAT(error_of([&] { prompt_of(R"({"prompt":[1,-2]})"); }), Catch::StartsWith("prompt[1]:"));
  CHECK_THAT(error_of([&] { prompt_of(R"({"prompt":"x","echo":true})"); }),
             Catch::StartsWith("echo:"));
  CHECK_THAT(error_of([&] { prompt_of(R"({"prompt":"x","logprobs":9})"); }),
             Catch::StartsWith("logprobs:"));
}

TEST_CASE("Ollama requests: options, defaults and refusals", "[parse]") {
  const auto gen = parse_ollama_generate(body(R"({"model":"m:latest","prompt":"Hi","raw":true,
      "options":{"num_predict":5,"temperature":0.2,"top_k":3,"top_p":0.9,"min_p":0.01,"seed":7,
                 "stop":["x"],"repeat_penalty":1.2,"presence_penalty":0.1,
                 "frequency_penalty":0.2,"num_ctx":4096},"keep_alive":"5m"})"),
                                         kLimits);
  CHECK(gen.gen.stream);  // Ollama streams by default
  CHECK(gen.raw);
  CHECK(gen.gen.max_tokens == 5);
  CHECK(gen.gen.sampling.top_k == 3);
  CHECK(*gen.gen.seed == 7);
  CHECK(gen.gen.stop == std::vector<std::string>{"x"});
  CHECK(gen.gen.sampling.repeat_penalty == Approx(1.2f));
  CHECK(parse_ollama_generate(body(R"({"options":{"num_predict":-1,"seed":-1}})"), kLimits)
            .gen.max_tokens == -1);
  CHECK_FALSE(
      parse_ollama_generate(body(R"({"options":{"seed":-1}})"), kLimits).gen.seed.has_value());
  CHECK_THAT(
      error_of([] { parse_ollama_generate(body(R"({"options":{"num_predict":"x"}})"), kLimits); }),
      Catch::StartsWith("options.num_predict:"));
  CHECK_THAT(error_of([] { parse_ollama_generate(body(R"({"options":[]})"), kLimits); }),
             Catch::StartsWith("options:"));
  CHECK_THAT(error_of([] { parse_ollama_generate(body(R"({"format":"json"})"), kLimits); }),
             Catch::StartsWith("format:"));
  CHECK_THAT(error_of([] { parse_ollama_generate(body(R"({"images":["aGk="]})"), kLimits); }),
             Catch::StartsWith("images:"));
  const auto chat = parse_ollama_chat(
      body(R"({"messages":[{"role":"user","content":"Hi"}],"stream":false})"), kLimits);
  CHECK_FALSE(chat.gen.stream);
  CHECK(chat.messages.size() == 1);
  CHECK_THAT(error_of([] {
               parse_ollama_chat(
                   body(R"({"messages":[{"role":"user","content":"x","images":["a"]}]})"), kLimits);
             }),
             Catch::StartsWith("messages[0].images:"));
  CHECK_THAT(error_of([] { parse_ollama_show(body("{}")); }), Catch::StartsWith("model:"));
}

TEST_CASE("tokenize and detokenize bodies", "[parse]") {
  const auto t = parse_tokenize(body(R"({"content":"Hi","with_pieces":true})"));
  CHECK(t.content == "Hi");
  CHECK_FALSE(t.add_special);
  CHECK(t.parse_special);
  CHECK(t.with_pieces);
  CHECK_THAT(error_of([] { parse_tokenize(body("{}")); }), Catch::StartsWith("content:"));
  CHECK(parse_detokenize(body(R"({"tokens":[1,2]})")).tokens.size() == 2);
  CHECK_THAT(error_of([] { parse_detokenize(body(R"({"tokens":["a"]})")); }),
             Catch::StartsWith("tokens[0]:"));
}

TEST_CASE("the default chat format is ChatML", "[parse]") {
  const Json messages =
      Json::parse(R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"}])");
  CHECK(render_chatml(messages) ==
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n");
}
