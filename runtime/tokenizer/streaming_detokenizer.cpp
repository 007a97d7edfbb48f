#include "tokenizer/streaming_detokenizer.hpp"

#include "tokenizer/utf8.hpp"

namespace sluice::tokenizer {

StreamingDetokenizer::StreamingDetokenizer(const Tokenizer& tokenizer, bool render_special)
    : tokenizer_(tokenizer), render_special_(render_special) {}

std::string StreamingDetokenizer::push(int32_t token) {
  pending_.append(tokenizer_.token_to_piece(token, render_special_));
  std::string out;
  size_t pos = 0;
  while (pos < pending_.size()) {
    const utf8::Sequence seq = utf8::next_sequence(pending_, pos);
    if (seq.status == utf8::SequenceStatus::incomplete) break;  // wait for the rest
    if (seq.status == utf8::SequenceStatus::complete) {
      out.append(pending_, pos, seq.length);
    } else {
      out.append(utf8::kReplacementUtf8);
    }
    pos += seq.length;
  }
  pending_.erase(0, pos);
  return out;
}

std::string StreamingDetokenizer::flush() {
  std::string out = utf8::sanitize(pending_);
  pending_.clear();
  return out;
}

}  // namespace sluice::tokenizer
