// Flat open-addressing hash tables for the lookups encoding does millions of times: token
// text -> id, and (left id, right id) -> BPE merge. One array each, probed linearly, so a
// lookup costs about one cache miss instead of a bucket-chain walk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::tokenizer {

uint64_t hash_text(std::string_view text);

// Texts are not copied: find() compares against the caller's `texts` (the same vector
// build() saw).
class TextIndex {
 public:
  // Indexes every non-empty text; a text that appears twice keeps its first id.
  void build(const std::vector<std::string>& texts);
  int32_t find(std::string_view text, const std::vector<std::string>& texts) const;

 private:
  struct Slot {
    uint32_t check = 0;  // other bits of the hash, to skip most string compares
    int32_t id = -1;     // -1: empty
  };
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

class PairIndex {
 public:
  struct Value {
    int32_t rank;  // merge rank (lower merges first)
    int32_t id;    // the token the merge makes, -1 when its text is no token
  };
  void reserve(size_t n);
  // Keeps the first value inserted for a pair.
  void insert(int32_t left, int32_t right, Value value);
  const Value* find(int32_t left, int32_t right) const;

 private:
  struct Slot {
    uint64_t key = kEmpty;
    Value value{};
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  static uint64_t key_of(int32_t left, int32_t right) {
    return uint64_t{static_cast<uint32_t>(left)} << 32 | static_cast<uint32_t>(right);
  }
  void grow();
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace sluice::tokenizer
