#include "tokenizer/spm.hpp"

#include <algorithm>
#include <string_view>

#include "tokenizer/utf8.hpp"
#include "tokenizer/vocab.hpp"

namespace sluice::tokenizer {
namespace {

struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t begin;  // byte offset into the text
  uint32_t size;   // bytes; 0 once merged into the symbol on its left
};

struct Bigram {
  float score;
  int32_t left;
  int32_t right;
  uint32_t size;
};

// The queue's top is the highest score, then the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.score < b.score || (a.score == b.score && a.left > b.left);
  }
};

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581

class SpmSession {
 public:
  explicit SpmSession(const Vocab& vocab) : vocab_(vocab) {}

  void run(std::string_view text, std::vector<int32_t>& out) {
    if (text.empty()) return;
    symbols_.clear();
    for (size_t offset = 0; offset < text.size();) {
      const size_t len =
          std::min(utf8::lead_length(static_cast<uint8_t>(text[offset])), text.size() - offset);
      const auto index = static_cast<int32_t>(symbols_.size());
      symbols_.push_back({index - 1, offset + len == text.size() ? -1 : index + 1,
                          static_cast<uint32_t>(offset), static_cast<uint32_t>(len)});
      offset += len;
    }

    queue_.clear();
    for (int32_t i = 1; i < static_cast<int32_t>(symbols_.size()); ++i) add(text, i - 1, i);

    while (!queue_.empty()) {
      std::pop_heap(queue_.begin(), queue_.end(), BigramOrder{});
      const Bigram bigram = queue_.back();
      queue_.pop_back();
      Symbol& left = symbols_[bigram.left];
      Symbol& right = symbols_[bigram.right];
      // Stale: one side was merged away or grew since the pair was queued.
      if (left.size == 0 || right.size == 0 || left.size + right.size != bigram.size) continue;
      left.size += right.size;
      right.size = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = bigram.left;
      add(text, left.prev, bigram.left);
      add(text, bigram.left, left.next);
    }

    for (int32_t i = 0; i != -1; i = symbols_[i].next) {
      const Symbol& symbol = symbols_[i];
      const std::string_view piece = text.substr(symbol.begin, symbol.size);
      const int32_t id = vocab_.find_normal(piece);
      if (id >= 0) {
        out.push_back(id);
        continue;
      }
      for (char c : piece) {
        const int32_t byte_id = vocab_.byte_tokens[static_cast<uint8_t>(c)];
        if (byte_id >= 0) {
          out.push_back(byte_id);
        } else if (vocab_.unk >= 0) {
          out.push_back(vocab_.unk);
        }
      }
    }
  }

 private:
  void add(std::string_view text, int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols_[left];
    const Symbol& r = symbols_[right];
    const uint32_t size = l.size + r.size;
    const int32_t id = vocab_.find_normal(text.substr(l.begin, size));
    if (id < 0) return;
    queue_.push_back({vocab_.scores[id], left, right, size});
    std::push_heap(queue_.begin(), queue_.end(), BigramOrder{});
  }

  const Vocab& vocab_;
  std::vector<Symbol> symbols_;
  std::vector<Bigram> queue_;
};

}  // namespace

void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out) {
  SpmSession session(vocab);
  if (!vocab.spm_words_start_at_space) {
    session.run(text, out);
    return;
  }
  // No token spans the start of a run of U+2581 that follows something else, so no merge
  // crosses one: the text is merged word by word, with the same result (merges within a
  // word keep their order) and much smaller queues. Words are cut only where a character
  // starts (invalid UTF-8 can make a "character" swallow the U+2581 after it).
  size_t begin = 0;
  for (size_t at = 0; at < text.size();) {
    if (at > 0 && text.compare(at, 3, kSpace) == 0 &&
        (at < 3 || text.compare(at - 3, 3, kSpace) != 0)) {
      session.run(text.substr(begin, at - begin), out);
      begin = at;
    }
    at += utf8::lead_length(static_cast<uint8_t>(text[at]));
  }
  session.run(text.substr(begin), out);
}

}  // namespace sluice::tokenizer
