// Breaks chat-template control tokens written in user text ("<|im_start|>", "[INST]",
// "<s>", ...) by inserting U+200B after their first character, so no tokenizer can match
// them as special tokens while the text stays readable.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace sluice_injection {

// The zero-width space inserted into each control token.
inline constexpr std::string_view kZeroWidthSpace = "\xE2\x80\x8B";

class ControlTokenNeutralizer {
 public:
  // `extra`: literal tokens neutralised as well; each at least two code points long.
  explicit ControlTokenNeutralizer(std::vector<std::string> extra = {});

  // Appends `text` with every control token broken to `out` and returns how many were
  // broken. When it returns 0, `out` is left as it was.
  int neutralize(std::string_view text, std::string& out) const;

  // The fixed (non-"<|...|>") tokens always neutralised, for documentation and tests.
  static const std::vector<std::string_view>& fixed_tokens();

 private:
  // Length of the control token starting at `pos`, or 0.
  size_t match_at(std::string_view text, size_t pos) const;

  std::vector<std::string> extra_;
  std::array<bool, 256> first_byte_{};  // bytes a token can start with
};

}  // namespace sluice_injection
