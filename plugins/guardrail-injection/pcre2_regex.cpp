#include "pcre2_regex.hpp"

#include <new>

namespace sluice_injection {

MatchScratch::MatchScratch() : data_(pcre2_match_data_create(1, nullptr)) {
  if (!data_) throw std::bad_alloc();
}

Regex::Regex(std::string_view pattern) {
  int error_code = 0;
  PCRE2_SIZE error_offset = 0;
  // MATCH_INVALID_UTF: user text is not guaranteed to be valid UTF-8, and a search must
  // never fail because of it.
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   PCRE2_CASELESS | PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                   &error_code, &error_offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error_code, message, sizeof message);
    throw RegexError(std::string(reinterpret_cast<const char*>(message)) + " at offset " +
                     std::to_string(error_offset));
  }
  code_.reset(code, Free{});
  // Without JIT (e.g. a platform PCRE2 built without it) the interpreter gives the same
  // results, only slower.
  jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
}

bool Regex::find(std::string_view text, size_t start, MatchScratch& scratch, size_t& begin,
                 size_t& end) const {
  if (start > text.size()) return false;
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  const int rc =
      jit_ ? pcre2_jit_match(code_.get(), subject, text.size(), start, 0, scratch.get(), nullptr)
           : pcre2_match(code_.get(), subject, text.size(), start, 0, scratch.get(), nullptr);
  // No match and errors (match limits) alike read as "not found": a guardrail must not
  // fail a request because a pattern hit a resource limit.
  if (rc < 0) return false;
  const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(scratch.get());
  begin = ovector[0];
  end = ovector[1];
  return true;
}

int Regex::count(std::string_view text, int limit, MatchScratch& scratch) const {
  int n = 0;
  size_t start = 0;
  size_t begin = 0;
  size_t end = 0;
  while (n < limit && find(text, start, scratch, begin, end)) {
    ++n;
    start = end;
    if (end == begin) {  // an empty match: step over one whole character
      ++start;
      while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80)
        ++start;
    }
  }
  return n;
}

}  // namespace sluice_injection
