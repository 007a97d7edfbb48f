// Tool calls in a model's reply, for requests that offer `tools`: the formats the chat
// templates of the common tool-using models ask for, read back into OpenAI's
// `tool_calls` (as vLLM's hermes / mistral / llama3_json parsers and llama-server do).
//   Hermes, Qwen 2/2.5/3:  <tool_call>{"name": ..., "arguments": {...}}</tool_call> (any
//                          number, with text around them)
//   Mistral:               [TOOL_CALLS][{"name": ..., "arguments": {...}}, ...]
//   Llama 3.1-3.3:         the whole reply one JSON object {"name": ..., "parameters":
//                          {...}} (or "arguments"), optionally after <|python_tag|>,
//                          several separated by ';', or a JSON array of them
// A reply that matches none of them, or whose JSON does not parse, is plain content.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::server {

struct ToolCall {
  std::string name;
  std::string arguments;  // JSON text of an object, as OpenAI's `function.arguments`
};

struct ToolCallReply {
  std::string content;  // the text outside the calls, trimmed; empty when there is none
  std::vector<ToolCall> calls;
};

// The calls in a complete reply, or nullopt when it holds none.
std::optional<ToolCallReply> parse_tool_calls(std::string_view reply);

// While a reply streams: how much of `text` (the reply so far) can be sent as content
// now. Text from where a tool call starts, or might start (a prefix of a marker at the
// end, or a '{' / '[' opening the reply), is held until the reply ends.
size_t tool_call_safe_prefix(std::string_view text);

// How a reply begins: only whitespace so far, with JSON (it may be a Llama-style call and
// is held whole), or with anything else.
enum class ReplyOpening { none, json, text };

// One streamed reply of a request that offered tools: the content that can go out as the
// pieces arrive, and at the end the rest of it and the calls.
class ToolCallStream {
 public:
  // Adds a piece of the reply; returns the text that can be sent as content now.
  std::string feed(std::string_view piece);
  // The reply ended (`released`: text still to come): the content not sent yet and the
  // calls, none when the reply holds none (then all of it is content).
  ToolCallReply finish(std::string_view released);

 private:
  std::string reply_;
  size_t sent_ = 0;
  ReplyOpening opening_ = ReplyOpening::none;
};

}  // namespace sluice::server
