#include "tokenizer/byte_encoding.hpp"

#include <array>

#include "tokenizer/utf8.hpp"

namespace sluice::tokenizer::byte_encoding {
namespace {

struct Tables {
  std::array<uint32_t, 256> codepoint{};
  std::array<std::string, 256> utf8;
  std::array<int16_t, 512> byte_of{};  // code points 0..511 cover every mapped one

  Tables() {
    byte_of.fill(-1);
    auto printable = [](int b) {
      return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    };
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      codepoint[b] = printable(b) ? static_cast<uint32_t>(b) : next++;
      utf8::append(utf8[b], codepoint[b]);
      byte_of[codepoint[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t b) {
  return tables().codepoint[b];
}

std::string_view byte_to_utf8(uint8_t b) {
  return tables().utf8[b];
}

int codepoint_to_byte(uint32_t cp) {
  return cp < 512 ? tables().byte_of[cp] : -1;
}

void encode(std::string& out, std::string_view bytes) {
  const Tables& t = tables();
  for (char c : bytes) out.append(t.utf8[static_cast<uint8_t>(c)]);
}

}  // namespace sluice::tokenizer::byte_encoding
