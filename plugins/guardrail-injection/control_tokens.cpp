#include "control_tokens.hpp"

#include "text_normalizer.hpp"

namespace sluice_injection {

namespace {

// Chat-template markers that are not of the "<|...|>" shape: Llama 2 / Mistral, Gemma,
// SPM sentence markers.
const std::vector<std::string_view> kFixedTokens = {
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
    "<s>",
    "</s>",
    "<start_of_turn>",
    "<end_of_turn>",
    "<bos>",
    "<eos>",
    "<unk>",
    "<pad>",
    "[SYSTEM_PROMPT]",
    "[/SYSTEM_PROMPT]",
    "[TOOL_CALLS]",
    "[AVAILABLE_TOOLS]",
    "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]",
};

constexpr std::string_view kFullwidthBar = "\xEF\xBD\x9C";  // U+FF5C, DeepSeek's "<｜...｜>"
constexpr size_t kMaxGenericBody = 64;

bool starts_with(std::string_view text, size_t pos, std::string_view prefix) {
  return text.size() - pos >= prefix.size() && text.compare(pos, prefix.size(), prefix) == 0;
}

// "<|name|>" and "<｜name｜>": a bar-delimited name without spaces or angle brackets.
size_t generic_token_length(std::string_view text, size_t pos) {
  for (std::string_view bar : {std::string_view("|"), kFullwidthBar}) {
    if (!starts_with(text, pos + 1, bar)) continue;
    const size_t body = pos + 1 + bar.size();
    size_t i = body;
    while (i < text.size() && i - body <= kMaxGenericBody) {
      const char c = text[i];
      if (starts_with(text, i, bar)) {
        if (i > body && starts_with(text, i + bar.size(), ">")) return i + bar.size() + 1 - pos;
        break;
      }
      if (c == '<' || c == '>' || c == '|' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
        break;
      ++i;
    }
  }
  return 0;
}

}  // namespace

const std::vector<std::string_view>& ControlTokenNeutralizer::fixed_tokens() {
  return kFixedTokens;
}

ControlTokenNeutralizer::ControlTokenNeutralizer(std::vector<std::string> extra)
    : extra_(std::move(extra)) {
  first_byte_['<'] = true;
  first_byte_['['] = true;
  for (const auto& token : extra_)
    if (!token.empty()) first_byte_[static_cast<unsigned char>(token[0])] = true;
}

size_t ControlTokenNeutralizer::match_at(std::string_view text, size_t pos) const {
  if (text[pos] == '<') {
    if (const size_t length = generic_token_length(text, pos)) return length;
  }
  if (text[pos] == '<' || text[pos] == '[') {
    for (std::string_view token : kFixedTokens)
      if (starts_with(text, pos, token)) return token.size();
  }
  for (const auto& token : extra_)
    if (starts_with(text, pos, token)) return token.size();
  return 0;
}

int ControlTokenNeutralizer::neutralize(std::string_view text, std::string& out) const {
  int count = 0;
  size_t copied = 0;  // text[0, copied) is already in `out`
  const size_t out_start = out.size();
  size_t pos = 0;
  while (pos < text.size()) {
    if (!first_byte_[static_cast<unsigned char>(text[pos])]) {
      ++pos;
      continue;
    }
    const size_t length = match_at(text, pos);
    if (length == 0) {
      ++pos;
      continue;
    }
    char32_t cp = 0;
    bool valid = true;
    const size_t first = decode_utf8(text, pos, cp, valid);
    if (count == 0) out.reserve(out_start + text.size() + 3 * kZeroWidthSpace.size());
    out.append(text.substr(copied, pos + first - copied));
    out.append(kZeroWidthSpace);
    copied = pos + first;
    pos += length;
    ++count;
  }
  if (count > 0) out.append(text.substr(copied));
  return count;
}

}  // namespace sluice_injection
