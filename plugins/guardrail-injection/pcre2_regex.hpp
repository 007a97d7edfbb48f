// A compiled PCRE2 pattern (case-insensitive, UTF, JIT where available), shared read-only
// by every thread; each search brings its own MatchScratch.
#pragma once

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace sluice_injection {

// A pattern that does not compile; what() names the PCRE2 error and its offset.
class RegexError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Per-search state (the match offsets); one per thread at a time, reusable across patterns.
class MatchScratch {
 public:
  MatchScratch();
  pcre2_match_data* get() const { return data_.get(); }

 private:
  struct Free {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
  };
  std::unique_ptr<pcre2_match_data, Free> data_;
};

class Regex {
 public:
  // Throws RegexError.
  explicit Regex(std::string_view pattern);

  // Finds the first match at or after `start`; sets [begin, end) and returns true.
  bool find(std::string_view text, size_t start, MatchScratch& scratch, size_t& begin,
            size_t& end) const;
  // Number of non-overlapping matches, counting no further than `limit`.
  int count(std::string_view text, int limit, MatchScratch& scratch) const;
  bool jit() const { return jit_; }

 private:
  struct Free {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
  };
  std::shared_ptr<pcre2_code> code_;
  bool jit_ = false;
};

}  // namespace sluice_injection
