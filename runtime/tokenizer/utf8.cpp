#include "tokenizer/utf8.hpp"

namespace sluice::tokenizer::utf8 {
namespace {

bool is_continuation(uint8_t b) {
  return (b & 0xC0) == 0x80;
}

}  // namespace

std::vector<uint32_t> decode_lenient(std::string_view text) {
  std::vector<uint32_t> out;
  out.reserve(text.size());
  const size_t n = text.size();
  size_t i = 0;
  auto at = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  while (i < n) {
    const uint8_t b0 = at(i);
    if (b0 < 0x80) {
      out.push_back(b0);
      i += 1;
      continue;
    }
    uint32_t cp = kReplacement;
    size_t len = 0;
    if (!(b0 & 0x40)) {
      len = 0;  // a continuation byte cannot start a sequence
    } else if (!(b0 & 0x20)) {
      if (i + 1 < n && is_continuation(at(i + 1))) {
        cp = (uint32_t{b0} & 0x1F) << 6 | (at(i + 1) & 0x3F);
        len = 2;
      }
    } else if (!(b0 & 0x10)) {
      if (i + 2 < n && is_continuation(at(i + 1)) && is_continuation(at(i + 2))) {
        cp = (uint32_t{b0} & 0x0F) << 12 | (uint32_t{at(i + 1)} & 0x3F) << 6 | (at(i + 2) & 0x3F);
        len = 3;
      }
    } else if (!(b0 & 0x08)) {
      if (i + 3 < n && is_continuation(at(i + 1)) && is_continuation(at(i + 2)) &&
          is_continuation(at(i + 3))) {
        cp = (uint32_t{b0} & 0x07) << 18 | (uint32_t{at(i + 1)} & 0x3F) << 12 |
             (uint32_t{at(i + 2)} & 0x3F) << 6 | (at(i + 3) & 0x3F);
        len = cp <= 0x10FFFF ? 4 : 0;
      }
    }
    if (len == 0) {
      out.push_back(kReplacement);
      i += 1;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

void append(std::string& out, uint32_t cp) {
  if (cp <= 0x7F) {
    out.push_back(static_cast<char>(cp));
  } else if (cp <= 0x7FF) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0xFFFF) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp <= 0x10FFFF) {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.append(kReplacementUtf8);
  }
}

Sequence next_sequence(std::string_view bytes, size_t pos) {
  const auto b0 = static_cast<uint8_t>(bytes[pos]);
  if (b0 < 0x80) return {SequenceStatus::complete, 1};
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {SequenceStatus::invalid, 1};
  }
  for (size_t k = 1; k < need; ++k) {
    if (pos + k >= bytes.size()) return {SequenceStatus::incomplete, k};
    const auto b = static_cast<uint8_t>(bytes[pos + k]);
    const uint8_t min = k == 1 ? lo : 0x80;
    const uint8_t max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) return {SequenceStatus::invalid, k};
  }
  return {SequenceStatus::complete, need};
}

bool is_valid(std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    // Fast path for ASCII runs.
    if (static_cast<uint8_t>(bytes[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const Sequence seq = next_sequence(bytes, pos);
    if (seq.status != SequenceStatus::complete) return false;
    pos += seq.length;
  }
  return true;
}

void append_sanitized(std::string& out, std::string_view bytes) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const Sequence seq = next_sequence(bytes, pos);
    if (seq.status == SequenceStatus::complete) {
      out.append(bytes.substr(pos, seq.length));
    } else {
      out.append(kReplacementUtf8);
    }
    pos += seq.length;
  }
}

std::string sanitize(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  append_sanitized(out, bytes);
  return out;
}

bool is_whitespace(uint32_t cp) {
  if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
  if (cp < 0x85) return false;
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000: return true;
    default: return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace sluice::tokenizer::utf8
