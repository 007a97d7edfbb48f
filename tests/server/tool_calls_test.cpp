// Tool calls: the reply parsers (Hermes/Qwen, Mistral, Llama 3 JSON), the streaming
// hold-back, and the OpenAI chat route's `tool_calls` over a fake engine.
#include <catch2/catch.hpp>

#include "server/tool_calls.hpp"
#include "server_fixture.hpp"

using namespace sluice::test;
using nlohmann::json;
using sluice::server::parse_tool_calls;
using sluice::server::tool_call_safe_prefix;

TEST_CASE("Hermes tool calls: several, text around them, a missing closing tag", "[tools]") {
  const auto r = parse_tool_calls(
      "Let me look.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Paris\"}}\n</tool_call>\n<tool_call>{\"name\": \"get_time\", \"arguments\": "
      "{\"tz\": \"CET\"}}");
  REQUIRE(r);
  CHECK(r->content == "Let me look.");
  REQUIRE(r->calls.size() == 2);
  CHECK(r->calls[0].name == "get_weather");
  CHECK(json::parse(r->calls[0].arguments) == json{{"city", "Paris"}});
  CHECK(r->calls[1].name == "get_time");
  CHECK(json::parse(r->calls[1].arguments) == json{{"tz", "CET"}});
}

TEST_CASE("Mistral and Llama 3 tool calls", "[tools]") {
  SECTION("[TOOL_CALLS] with an array") {
    const auto r = parse_tool_calls(
        "[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {\"x\": 1}}, {\"name\": \"b\", "
        "\"arguments\": {}}]");
    REQUIRE(r);
    CHECK(r->content.empty());
    REQUIRE(r->calls.size() == 2);
    CHECK(r->calls[0].name == "a");
    CHECK(json::parse(r->calls[0].arguments) == json{{"x", 1}});
    CHECK(r->calls[1].arguments == "{}");
  }
  SECTION("a JSON object with parameters, after <|python_tag|>") {
    const auto r =
        parse_tool_calls("<|python_tag|>{\"name\": \"search\", \"parameters\": {\"q\": \"a;b\"}}");
    REQUIRE(r);
    REQUIRE(r->calls.size() == 1);
    CHECK(r->calls[0].name == "search");
    CHECK(json::parse(r->calls[0].arguments) == json{{"q", "a;b"}});
  }
  SECTION("calls separated by ';' (not the one inside a string)") {
    const auto r = parse_tool_calls(
        " {\"name\": \"a\", \"parameters\": {\"s\": \"x;y\"}}; {\"name\": \"b\", \"parameters\": "
        "{}}\n");
    REQUIRE(r);
    REQUIRE(r->calls.size() == 2);
    CHECK(json::parse(r->calls[0].arguments) == json{{"s", "x;y"}});
    CHECK(r->calls[1].name == "b");
  }
  SECTION("arguments given as a JSON string stay that string") {
    const auto r = parse_tool_calls(R"({"name": "a", "arguments": "{\"k\": 2}"})");
    REQUIRE(r);
    CHECK(r->calls[0].arguments == R"({"k": 2})");
  }
}

TEST_CASE("replies that are not tool calls stay content", "[tools]") {
  for (const char* reply :
       {"Just text.", "{\"answer\": 42}", "[1, 2, 3]", "<tool_call>{not json}</tool_call>",
        "<tool_call>{\"arguments\": {}}</tool_call>", "[TOOL_CALLS] nothing", "{\"name\": 3}",
        "{\"name\": \"a\", \"arguments\": [1]}", ""}) {
    CAPTURE(reply);
    CHECK_FALSE(parse_tool_calls(reply));
  }
}

TEST_CASE("streaming holds back what is or may become a tool call", "[tools]") {
  CHECK(tool_call_safe_prefix("Hello there") == 11);
  CHECK(tool_call_safe_prefix("Hello <tool") == 6);         // may become <tool_call>
  CHECK(tool_call_safe_prefix("Hello <tool_call>{") == 6);  // is one
  CHECK(tool_call_safe_prefix("Hello <b>") == 9);           // cannot become a marker
  CHECK(tool_call_safe_prefix("Sure [TOOL_") == 5);
  CHECK(tool_call_safe_prefix("a <|python") == 2);
  CHECK(tool_call_safe_prefix(" {\"name\"") == 0);  // a reply opening with JSON
  CHECK(tool_call_safe_prefix("\n") == 1);
}

TEST_CASE("a streamed reply fed piece by piece", "[tools]") {
  using sluice::server::ToolCallStream;
  SECTION("text, then a call whose marker is split over pieces") {
    ToolCallStream stream;
    std::string sent;
    for (const char* piece : {"Sure", ", let me check. <to", "ol_", "call>{\"name\": \"f\", ",
                              "\"arguments\": {}}</tool_call>"})
      sent += stream.feed(piece);
    CHECK(sent == "Sure, let me check. ");
    const auto end = stream.finish("");
    CHECK(end.content.empty());
    REQUIRE(end.calls.size() == 1);
    CHECK(end.calls[0].name == "f");
  }
  SECTION("a reply opening with JSON, after whitespace, is held whole") {
    ToolCallStream stream;
    CHECK(stream.feed("\n") == "\n");  // whitespace alone may go out
    CHECK(stream.feed("{\"name\": \"f\",").empty());
    CHECK(stream.feed(" \"parameters\": {\"a\": 1}} and more").empty());
    const auto end = stream.finish("");
    CHECK(end.calls.empty());  // not a call after all: everything is content
    CHECK(end.content == "{\"name\": \"f\", \"parameters\": {\"a\": 1}} and more");
  }
  SECTION("a marker-like ending that turns out to be text is released") {
    ToolCallStream stream;
    CHECK(stream.feed("a [TOOL") == "a ");
    CHECK(stream.feed("S] b") == "[TOOLS] b");
    CHECK(stream.finish("!").content == "!");
  }
}

namespace {

const std::string kTools =
    R"("tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}])";

std::string chat_with(const std::string& extra) {
  return R"({"model":"stories260K","messages":[{"role":"user","content":"Weather?"}],)" + extra +
         "}";
}

// The fake engine answers with text, then a Hermes-style call.
void reply_with_a_call(ServerFixture& f) {
  FakeBehavior reply;
  reply.tokens = f.tokens_of(
      "Checking.<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": "
      "\"Paris\"}}</tool_call>");
  f.queue().set_behavior(reply);
}

}  // namespace

TEST_CASE("chat completion with tools: tool_calls, content, finish_reason", "[server][tools]") {
  ServerFixture f;
  if (!f.ok()) return;
  reply_with_a_call(f);

  SECTION("not streamed") {
    const auto r = http_request(f.port(), "POST", "/v1/chat/completions", chat_with(kTools));
    REQUIRE(r.status == 200);
    const auto choice = r.json()["choices"][0];
    CHECK(choice["finish_reason"] == "tool_calls");
    CHECK(choice["message"]["content"] == "Checking.");
    const auto calls = choice["message"]["tool_calls"];
    REQUIRE(calls.size() == 1);
    CHECK(calls[0]["type"] == "function");
    CHECK(calls[0]["id"].get<std::string>().rfind("call_", 0) == 0);
    CHECK(calls[0]["function"]["name"] == "get_weather");
    CHECK(json::parse(calls[0]["function"]["arguments"].get<std::string>()) ==
          json{{"city", "Paris"}});
  }
  SECTION("streamed: content before the call, then one tool_calls delta") {
    const auto r = http_request(f.port(), "POST", "/v1/chat/completions",
                                chat_with(kTools + R"(,"stream":true)"));
    REQUIRE(r.status == 200);
    const auto events = sse_events(r.body);
    REQUIRE(events.size() >= 3);
    CHECK(events.back() == "[DONE]");
    std::string content, finish;
    json calls = json::array();
    for (size_t i = 0; i + 1 < events.size(); ++i) {
      const auto delta = json::parse(events[i])["choices"][0]["delta"];
      if (delta.contains("content")) content += delta["content"].get<std::string>();
      if (delta.contains("tool_calls"))
        for (const auto& c : delta["tool_calls"]) calls.push_back(c);
      const auto reason = json::parse(events[i])["choices"][0]["finish_reason"];
      if (!reason.is_null()) finish = reason;
    }
    CHECK(content.find("Checking.") != std::string::npos);
    CHECK(content.find('<') == std::string::npos);  // no piece of the call leaked as text
    CHECK(content.find("get_weather") == std::string::npos);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0]["index"] == 0);
    CHECK(calls[0]["function"]["name"] == "get_weather");
    CHECK(json::parse(calls[0]["function"]["arguments"].get<std::string>()) ==
          json{{"city", "Paris"}});
    CHECK(finish == "tool_calls");
  }
  SECTION("without tools, or with tool_choice none, the reply is plain content") {
    for (const std::string& extra :
         {std::string(R"("max_tokens":200)"), kTools + R"(,"tool_choice":"none")"}) {
      const auto r = http_request(f.port(), "POST", "/v1/chat/completions", chat_with(extra));
      REQUIRE(r.status == 200);
      const auto choice = r.json()["choices"][0];
      CHECK(choice["finish_reason"] == "stop");
      CHECK(choice["message"]["content"].get<std::string>().find("<tool_call>") !=
            std::string::npos);
      CHECK_FALSE(choice["message"].contains("tool_calls"));
    }
  }
}

TEST_CASE("streamed chat with tools sends ordinary replies as content", "[server][tools]") {
  ServerFixture f;
  if (!f.ok()) return;
  FakeBehavior reply;
  reply.tokens = f.tokens_of("Once upon a time");
  f.queue().set_behavior(reply);
  const auto r = http_request(f.port(), "POST", "/v1/chat/completions",
                              chat_with(kTools + R"(,"stream":true)"));
  REQUIRE(r.status == 200);
  const auto events = sse_events(r.body);
  std::string content, finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    const auto choice = json::parse(events[i])["choices"][0];
    if (choice["delta"].contains("content"))
      content += choice["delta"]["content"].get<std::string>();
    CHECK_FALSE(choice["delta"].contains("tool_calls"));
    if (!choice["finish_reason"].is_null()) finish = choice["finish_reason"];
  }
  CHECK(content == " Once upon a time");
  CHECK(finish == "stop");
}

TEST_CASE("Ollama /api/chat with tools: message.tool_calls with object arguments",
          "[server][tools]") {
  ServerFixture f;
  if (!f.ok()) return;
  reply_with_a_call(f);
  const std::string body =
      R"({"model":"stories260K","messages":[{"role":"user","content":"Weather?"}],)" + kTools;

  SECTION("not streamed") {
    const auto r = http_request(f.port(), "POST", "/api/chat", body + R"(,"stream":false})");
    REQUIRE(r.status == 200);
    const auto j = r.json();
    CHECK(j["done"] == true);
    CHECK(j["message"]["content"] == "Checking.");
    REQUIRE(j["message"]["tool_calls"].size() == 1);
    CHECK(j["message"]["tool_calls"][0]["function"]["name"] == "get_weather");
    CHECK(j["message"]["tool_calls"][0]["function"]["arguments"] == json{{"city", "Paris"}});
  }
  SECTION("streamed") {
    const auto r = http_request(f.port(), "POST", "/api/chat", body + "}");
    REQUIRE(r.status == 200);
    std::string content;
    json calls = json::array();
    bool done = false;
    for (const std::string& text : ndjson_lines(r.body)) {
      const auto line = json::parse(text);
      content += line["message"]["content"].get<std::string>();
      if (line["message"].contains("tool_calls"))
        for (const auto& c : line["message"]["tool_calls"]) calls.push_back(c);
      done = done || line["done"] == true;
    }
    CHECK(done);
    CHECK(content.find("Checking.") != std::string::npos);
    CHECK(content.find('<') == std::string::npos);
    REQUIRE(calls.size() == 1);
    CHECK(calls[0]["function"]["arguments"] == json{{"city", "Paris"}});
  }
}
