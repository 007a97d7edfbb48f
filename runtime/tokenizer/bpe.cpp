#include "tokenizer/bpe.hpp"

#include <algorithm>
#include <string>

#include "tokenizer/byte_encoding.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/vocab.hpp"

namespace sluice::tokenizer {
namespace {

// Symbols are ranges of the word's raw bytes: byte-level BPE writes each byte as one
// character, so the characters llama.cpp cuts the byte-level word into are its bytes.
struct Symbol {
  int32_t prev;
  int32_t next;
  uint32_t begin;  // byte offset into the word
  uint32_t size;   // bytes; 0 once merged into the symbol on its left
  int32_t id;      // the token whose text the symbol is, -1 when none
};

struct Bigram {
  int32_t rank;
  int32_t left;
  int32_t right;
  uint32_t size;
  int32_t id;  // the token the merge makes, -1 when none
};

// The queue's top is the lowest rank, then the leftmost pair.
struct BigramOrder {
  bool operator()(const Bigram& a, const Bigram& b) const {
    return a.rank > b.rank || (a.rank == b.rank && a.left > b.left);
  }
};

class WordMerger {
 public:
  explicit WordMerger(const Vocab& vocab) : vocab_(vocab) {}

  // Appends the tokens of one pre-tokenized word (raw UTF-8 bytes).
  void tokenize(std::string_view word, std::vector<int32_t>& out) {
    if (word.empty()) return;
    if (vocab_.ignore_merges) {
      encoded(word, encoded_);
      if (const int32_t id = vocab_.find_normal(encoded_); id >= 0) {
        out.push_back(id);
        return;
      }
    }
    symbols_.clear();
    for (size_t i = 0; i < word.size(); ++i) {
      const auto index = static_cast<int32_t>(i);
      symbols_.push_back({index - 1, i + 1 == word.size() ? -1 : index + 1,
                          static_cast<uint32_t>(i), 1,
                          vocab_.byte_tokens[static_cast<uint8_t>(word[i])]});
    }
    queue_.clear();
    for (int32_t i = 1; i < static_cast<int32_t>(symbols_.size()); ++i) add(word, i - 1, i);

    while (!queue_.empty()) {
      std::pop_heap(queue_.begin(), queue_.end(), BigramOrder{});
      const Bigram bigram = queue_.back();
      queue_.pop_back();
      Symbol& left = symbols_[bigram.left];
      Symbol& right = symbols_[bigram.right];
      // Stale: one side was merged away or grew since the pair was queued.
      if (left.size == 0 || right.size == 0 || left.size + right.size != bigram.size) continue;
      left.size += right.size;
      left.id = bigram.id;
      right.size = 0;
      left.next = right.next;
      if (right.next >= 0) symbols_[right.next].prev = bigram.left;
      add(word, left.prev, bigram.left);
      add(word, bigram.left, left.next);
    }

    for (int32_t i = 0; i != -1; i = symbols_[i].next) {
      const Symbol& symbol = symbols_[i];
      if (symbol.id >= 0 && vocab_.is_normal(symbol.id)) {
        out.push_back(symbol.id);
        continue;
      }
      // No token: each byte's own token (llama.cpp looks the piece up byte by byte here,
      // which finds only ASCII ones; going by byte-level character keeps every byte).
      for (uint32_t k = symbol.begin; k < symbol.begin + symbol.size; ++k) {
        const int32_t id = vocab_.byte_tokens[static_cast<uint8_t>(word[k])];
        if (id >= 0 && vocab_.is_normal(id)) out.push_back(id);
      }
    }
  }

 private:
  static void encoded(std::string_view raw, std::string& out) {
    out.clear();
    byte_encoding::encode(out, raw);
  }

  void add(std::string_view word, int32_t left, int32_t right) {
    if (left < 0 || right < 0) return;
    const Symbol& l = symbols_[left];
    const Symbol& r = symbols_[right];
    int32_t rank, id;
    if (l.id >= 0 && r.id >= 0) {
      const PairIndex::Value* merge = vocab_.merge(l.id, r.id);
      if (merge == nullptr) return;
      rank = merge->rank;
      id = merge->id;
    } else if (vocab_.has_text_merges()) {
      // A side that is no token: only a merge listed by text can apply.
      encoded(word.substr(l.begin, l.size), left_text_);
      encoded(word.substr(r.begin, r.size), right_text_);
      rank = vocab_.text_merge_rank(left_text_, right_text_, scratch_);
      if (rank < 0) return;
      left_text_ += right_text_;
      id = vocab_.find(left_text_);
    } else {
      return;
    }
    queue_.push_back({rank, left, right, l.size + r.size, id});
    std::push_heap(queue_.begin(), queue_.end(), BigramOrder{});
  }

  const Vocab& vocab_;
  std::vector<Symbol> symbols_;
  std::vector<Bigram> queue_;
  std::string encoded_, left_text_, right_text_, scratch_;
};

}  // namespace

void bpe_tokenize(const Vocab& vocab, const PreTokenizer& pre, std::string_view text,
                  std::vector<int32_t>& out) {
  PreTokenized words;
  pre.split(text, words);
  WordMerger merger(vocab);
  for (const auto& [begin, end] : words.words) {
    merger.tokenize(std::string_view(words.text).substr(begin, end - begin), out);
  }
}

}  // namespace sluice::tokenizer
