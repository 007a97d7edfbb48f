#include "tokenizer/token_index.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace sluice::tokenizer {
namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kMul2 = 0xBF58476D1CE4E5B9ull;
constexpr uint64_t kMul3 = 0x94D049BB133111EBull;

uint64_t mix(uint64_t h) {
  h ^= h >> 31;
  h *= kMul3;
  h ^= h >> 29;
  return h;
}

size_t capacity_for(size_t n) {
  return std::bit_ceil(std::max<size_t>(16, n * 2));
}

}  // namespace

uint64_t hash_text(std::string_view text) {
  uint64_t h = kMul1 ^ (text.size() * kMul2);
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    h = (h ^ word) * kMul2;
    h ^= h >> 32;
  }
  uint64_t tail = 0;
  if (i < text.size()) std::memcpy(&tail, text.data() + i, text.size() - i);
  return mix((h ^ tail) * kMul1);
}

void TextIndex::build(const std::vector<std::string>& texts) {
  slots_.assign(capacity_for(texts.size()), Slot{});
  mask_ = slots_.size() - 1;
  for (size_t id = 0; id < texts.size(); ++id) {
    const std::string& text = texts[id];
    if (text.empty()) continue;
    const uint64_t h = hash_text(text);
    const auto check = static_cast<uint32_t>(h >> 32);
    for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& slot = slots_[i];
      if (slot.id < 0) {
        slot = {check, static_cast<int32_t>(id)};
        break;
      }
      if (slot.check == check && texts[slot.id] == text) break;  // a duplicate: first wins
    }
  }
}

int32_t TextIndex::find(std::string_view text, const std::vector<std::string>& texts) const {
  if (slots_.empty() || text.empty()) return -1;
  const uint64_t h = hash_text(text);
  const auto check = static_cast<uint32_t>(h >> 32);
  for (uint64_t i = h & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) return -1;
    if (slot.check == check && texts[slot.id] == text) return slot.id;
  }
}

void PairIndex::reserve(size_t n) {
  if (capacity_for(n) <= slots_.size()) return;
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(capacity_for(n), Slot{});
  mask_ = slots_.size() - 1;
  size_ = 0;
  for (const Slot& slot : old) {
    if (slot.key != kEmpty) {
      insert(static_cast<int32_t>(slot.key >> 32), static_cast<int32_t>(slot.key & 0xFFFFFFFF),
             slot.value);
    }
  }
}

void PairIndex::grow() {
  reserve(slots_.empty() ? 8 : slots_.size());
}

void PairIndex::insert(int32_t left, int32_t right, Value value) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t key = key_of(left, right);
  for (uint64_t i = mix(key * kMul1) & mask_;; i = (i + 1) & mask_) {
    Slot& slot = slots_[i];
    if (slot.key == kEmpty) {
      slot = {key, value};
      ++size_;
      return;
    }
    if (slot.key == key) return;  // first wins
  }
}

const PairIndex::Value* PairIndex::find(int32_t left, int32_t right) const {
  if (slots_.empty()) return nullptr;
  const uint64_t key = key_of(left, right);
  for (uint64_t i = mix(key * kMul1) & mask_;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.key == kEmpty) return nullptr;
    if (slot.key == key) return &slot.value;
  }
}

}  // namespace sluice::tokenizer
