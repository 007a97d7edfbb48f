// libFuzzer target: the chat-template engine on arbitrary template text. The input up to
// its first NUL byte is the template; the byte after it (if any) picks variations of a
// small fixed context (generation prompt, tools, a dict-valued message content). Parsing
// and rendering run under small limits and may only ever throw TemplateError: a crash, a
// sanitizer report, a hang, a leak or any other exception is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chat/chat_template.hpp"

namespace {

using nlohmann::ordered_json;

ordered_json fuzz_context(std::uint8_t variant) {
  ordered_json messages = ordered_json::parse(R"([
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hi <think>\n héllo</think> 👋"},
    {"role": "assistant", "content": "Hello!", "tool_calls": [
      {"id": "call12345", "type": "function",
       "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": [1, 2]}}}]},
    {"role": "tool", "tool_call_id": "call12345", "content": "22C"},
    {"role": "user", "content": ""}
  ])");
  if (variant & 4)
    messages[3]["content"] = ordered_json{{"temperature", 22.5}, {"ok", true}, {"none", nullptr}};
  ordered_json context = {{"messages", messages},
                          {"add_generation_prompt", (variant & 1) != 0},
                          {"bos_token", "<s>"},
                          {"eos_token", "</s>"}};
  if (variant & 2) {
    context["tools"] =
        ordered_json::parse(R"([{"type": "function", "function": {"name": "get_weather",
      "description": "Weather.", "parameters": {"type": "object",
      "properties": {"city": {"type": "string"}, "days": {"type": "array", "items": {"type": "integer"}}},
      "required": ["city"]}}}])");
  }
  if (variant & 8) context["enable_thinking"] = false;
  return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\0');
  const std::string_view source = input.substr(0, split);
  const std::uint8_t variant = split != std::string_view::npos && split + 1 < input.size()
                                   ? static_cast<std::uint8_t>(input[split + 1])
                                   : 0;

  sluice::chat::TemplateLimits limits;
  limits.max_steps = 20'000;
  limits.max_depth = 24;
  limits.max_output_bytes = 16 * 1024;
  limits.max_data_depth = 32;
  try {
    const auto tpl = sluice::chat::ChatTemplate::parse(source, limits);
    tpl.render(fuzz_context(variant), [] { return std::time_t{1721990096}; });
  } catch (const sluice::chat::TemplateError&) {
    // bad or hostile templates must end here, and only here
  }
  return 0;
}
