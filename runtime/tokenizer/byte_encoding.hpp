// GPT-2's reversible byte <-> code point mapping used by byte-level BPE vocabularies:
// printable Latin-1 bytes map to themselves, the other 68 bytes to U+0100.. in order
// (so a space is 'Ġ' U+0120 and a newline 'Ċ' U+010A).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::tokenizer::byte_encoding {

// The code point byte `b` stands for.
uint32_t byte_to_codepoint(uint8_t b);
// Its UTF-8 form (one or two bytes).
std::string_view byte_to_utf8(uint8_t b);
// The byte code point `cp` stands for, or -1 when it is not one of the 256.
int codepoint_to_byte(uint32_t cp);

// Appends the byte-level form of `bytes` (every byte through byte_to_utf8).
void encode(std::string& out, std::string_view bytes);

}  // namespace sluice::tokenizer::byte_encoding
