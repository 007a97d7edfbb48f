// The text the injection rules read: invisible characters removed, Unicode tag characters
// ("ASCII smuggling") decoded to the ASCII they hide, fullwidth ASCII and Cyrillic/Greek
// look-alike letters folded to ASCII. Pure ASCII input is not copied.
#pragma once

#include <string>
#include <string_view>

namespace sluice_injection {

class NormalizedText {
 public:
  explicit NormalizedText(std::string_view input);
  NormalizedText(const NormalizedText&) = delete;
  NormalizedText& operator=(const NormalizedText&) = delete;

  std::string_view text() const { return text_; }
  // Zero-width and bidi formatting characters removed (joiners and direction marks,
  // which ordinary RTL and emoji text uses, are removed but not counted).
  int invisible_count() const { return invisible_; }
  // Unicode tag characters that encoded ASCII (not part of a flag emoji).
  int tag_count() const { return tags_; }

 private:
  std::string storage_;
  std::string_view text_;
  int invisible_ = 0;
  int tags_ = 0;
};

// Decodes one UTF-8 code point at `pos`; returns its length (1 for an invalid byte, with
// `cp` set to that byte's value and `valid` false).
size_t decode_utf8(std::string_view text, size_t pos, char32_t& cp, bool& valid);

}  // namespace sluice_injection
