#include "server/tool_calls.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "engine/stop_condition.hpp"

namespace sluice::server {
namespace {

using nlohmann::json;

constexpr std::string_view kHermesOpen = "<tool_call>";
constexpr std::string_view kHermesClose = "</tool_call>";
constexpr std::string_view kMistral = "[TOOL_CALLS]";
constexpr std::string_view kPythonTag = "<|python_tag|>";
constexpr std::array<std::string_view, 3> kMarkers = {kHermesOpen, kMistral, kPythonTag};

std::string_view trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::optional<json> parse(std::string_view text) {
  json value = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return std::nullopt;
  return value;
}

// {"name": "...", "arguments" | "parameters": {...} or a JSON string of one}.
std::optional<ToolCall> call_of(const json& value) {
  if (!value.is_object()) return std::nullopt;
  const auto name = value.find("name");
  if (name == value.end() || !name->is_string() || name->get_ref<const std::string&>().empty())
    return std::nullopt;
  auto args = value.find("arguments");
  if (args == value.end()) args = value.find("parameters");
  ToolCall call{name->get<std::string>(), "{}"};
  if (args != value.end()) {
    if (args->is_string()) {
      call.arguments = args->get<std::string>();
    } else if (args->is_object()) {
      call.arguments = args->dump();
    } else if (!args->is_null()) {
      return std::nullopt;
    }
  }
  return call;
}

// One call, or an array of calls; nothing if any element is not a call.
bool append_calls(const json& value, std::vector<ToolCall>& out) {
  if (value.is_array()) {
    if (value.empty()) return false;
    for (const json& item : value) {
      auto call = call_of(item);
      if (!call) return false;
      out.push_back(std::move(*call));
    }
    return true;
  }
  auto call = call_of(value);
  if (!call) return false;
  out.push_back(std::move(*call));
  return true;
}

std::optional<ToolCallReply> parse_hermes(std::string_view reply) {
  ToolCallReply out;
  std::string content;
  size_t at = 0;
  while (true) {
    const size_t open = reply.find(kHermesOpen, at);
    if (open == std::string_view::npos) {
      content += reply.substr(at);
      break;
    }
    content += reply.substr(at, open - at);
    const size_t body = open + kHermesOpen.size();
    size_t close = reply.find(kHermesClose, body);
    // A reply cut at the end of generation may lack the closing tag.
    const size_t end = close == std::string_view::npos ? reply.size() : close;
    const auto value = parse(trim(reply.substr(body, end - body)));
    if (!value || !append_calls(*value, out.calls)) return std::nullopt;
    at = close == std::string_view::npos ? reply.size() : close + kHermesClose.size();
  }
  out.content = std::string(trim(content));
  return out;
}

std::optional<ToolCallReply> parse_mistral(std::string_view reply, size_t marker) {
  ToolCallReply out;
  out.content = std::string(trim(reply.substr(0, marker)));
  std::string_view rest = reply.substr(marker + kMistral.size());
  // Several [TOOL_CALLS] sections are possible; each holds an array (or one object).
  while (true) {
    const size_t next = rest.find(kMistral);
    const auto value = parse(trim(rest.substr(0, next)));
    if (!value || !append_calls(*value, out.calls)) return std::nullopt;
    if (next == std::string_view::npos) break;
    rest = rest.substr(next + kMistral.size());
  }
  return out;
}

std::optional<ToolCallReply> parse_json_reply(std::string_view reply) {
  if (reply.substr(0, kPythonTag.size()) == kPythonTag)
    reply = trim(reply.substr(kPythonTag.size()));
  if (reply.empty() || (reply.front() != '{' && reply.front() != '[')) return std::nullopt;
  ToolCallReply out;
  if (const auto value = parse(reply)) {
    if (!append_calls(*value, out.calls)) return std::nullopt;
    return out;
  }
  // Llama 3 separates parallel calls with ';'. Split at ';' outside strings.
  size_t start = 0;
  bool in_string = false, escaped = false;
  int depth = 0;
  for (size_t i = 0; i <= reply.size(); ++i) {
    const char c = i < reply.size() ? reply[i] : ';';
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{' || c == '[')
      ++depth;
    else if (c == '}' || c == ']')
      --depth;
    else if (c == ';' && depth == 0) {
      const auto value = parse(trim(reply.substr(start, i - start)));
      if (!value || !append_calls(*value, out.calls)) return std::nullopt;
      start = i + 1;
    }
  }
  return out;
}

ReplyOpening opening_of(std::string_view text) {
  const std::string_view trimmed = trim(text);
  if (trimmed.empty()) return ReplyOpening::none;
  return trimmed.front() == '{' || trimmed.front() == '[' ? ReplyOpening::json : ReplyOpening::text;
}

}  // namespace

std::optional<ToolCallReply> parse_tool_calls(std::string_view reply) {
  if (reply.find(kHermesOpen) != std::string_view::npos) return parse_hermes(reply);
  if (const size_t m = reply.find(kMistral); m != std::string_view::npos)
    return parse_mistral(reply, m);
  return parse_json_reply(trim(reply));
}

size_t tool_call_safe_prefix(std::string_view text) {
  return opening_of(text) == ReplyOpening::json ? 0 : engine::scan_markers(text, kMarkers).safe;
}

std::string ToolCallStream::feed(std::string_view piece) {
  reply_ += piece;
  if (opening_ == ReplyOpening::none) opening_ = opening_of(reply_);
  if (opening_ == ReplyOpening::json) return {};  // held whole
  // Only the unsent tail can hold a marker: the start of one is never sent. Scanning it
  // alone keeps a long reply linear.
  const size_t safe =
      sent_ + engine::scan_markers(std::string_view(reply_).substr(sent_), kMarkers).safe;
  if (safe <= sent_) return {};
  std::string out = reply_.substr(sent_, safe - sent_);
  sent_ = safe;
  return out;
}

ToolCallReply ToolCallStream::finish(std::string_view released) {
  std::string rest = reply_.substr(sent_);
  rest += released;
  sent_ = reply_.size();
  if (auto called = parse_tool_calls(rest)) return std::move(*called);
  return ToolCallReply{std::move(rest), {}};
}

}  // namespace sluice::server
