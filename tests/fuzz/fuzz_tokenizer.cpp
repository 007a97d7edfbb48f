// libFuzzer target: the tokenizers on arbitrary bytes. The first byte picks the
// vocabulary (byte >> 2), add_special (bit 1) and parse_special (bit 0); the rest is the
// text. Encoding, decoding and streaming must never crash or throw, every id must be in
// the vocabulary, every text handed back must be valid UTF-8, streaming must give what
// decode() gives, and a valid UTF-8 text must come back unchanged (SPM: after the space
// it prefixes). Vocabularies: $SLUICE_SHARED/vocab/*.gguf and models/stories260K.gguf,
// $SLUICE_SHARED defaulting to SLUICE_FUZZ_SHARED_DIR.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf_file.hpp"
#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

#ifndef SLUICE_FUZZ_SHARED_DIR
#define SLUICE_FUZZ_SHARED_DIR "../shared"
#endif

namespace {

using sluice::tokenizer::StreamingDetokenizer;
using sluice::tokenizer::Tokenizer;
namespace utf8 = sluice::tokenizer::utf8;

struct Loaded {
  std::string name;
  Tokenizer tok;
  bool lossless;  // every byte of valid UTF-8 has a token (falcon and starcoder lack some)
};

std::vector<Loaded>& tokenizers() {
  static std::vector<Loaded> loaded;
  return loaded;
}

// Valid UTF-8 using every byte value valid UTF-8 can hold.
std::string every_utf8_byte() {
  std::string s;
  for (int b = 0; b < 0x80; ++b) s.push_back(static_cast<char>(b));
  for (int b = 0x80; b < 0xC0; ++b) s += {'\xC2', static_cast<char>(b)};
  for (int b = 0xC2; b < 0xE0; ++b) s += {static_cast<char>(b), '\x80'};
  for (int b = 0xE0; b < 0xF0; ++b)
    s += {static_cast<char>(b), b == 0xE0 ? '\xA0' : '\x80', '\x80'};
  for (int b = 0xF0; b < 0xF5; ++b) {
    s += {static_cast<char>(b), b == 0xF0 ? '\x90' : '\x80', '\x80', '\x80'};
  }
  return s;
}

std::string expected_round_trip(const Tokenizer& tok, std::string_view text) {
  if (tok.type_name() == "BPE" || text.empty()) return std::string(text);
  return " " + std::string(text);  // SPM prefixes a space
}

[[noreturn]] void finding(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "fuzz_tokenizer: %s %s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  const char* env = std::getenv("SLUICE_SHARED");
  const std::filesystem::path shared = env != nullptr && *env != 0 ? env : SLUICE_FUZZ_SHARED_DIR;
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(shared / "vocab", ec)) {
    if (entry.path().extension() == ".gguf") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());  // the first byte must pick the same one every run
  if (std::filesystem::exists(shared / "models" / "stories260K.gguf")) {
    files.push_back(shared / "models" / "stories260K.gguf");
  }
  const std::string probe = every_utf8_byte();
  for (const auto& path : files) {
    try {
      Tokenizer tok = Tokenizer::from_gguf(sluice::model::GgufFile::open(path));
      const bool lossless = tok.decode(tok.encode(probe, false)) == expected_round_trip(tok, probe);
      tokenizers().push_back({path.filename().string(), std::move(tok), lossless});
    } catch (const std::exception& e) {
      std::fprintf(stderr, "fuzz_tokenizer: cannot load %s: %s\n", path.c_str(), e.what());
    }
  }
  std::fprintf(stderr, "fuzz_tokenizer: %zu vocabularies from %s\n", tokenizers().size(),
               shared.c_str());
  for (size_t i = 0; i < tokenizers().size(); ++i) {
    std::fprintf(stderr, "  %zu: %s%s\n", i, tokenizers()[i].name.c_str(),
                 tokenizers()[i].lossless ? "" : " (some bytes have no token)");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& all = tokenizers();
  if (size == 0 || all.empty()) return 0;
  const Loaded& loaded = all[(data[0] >> 2) % all.size()];
  const Tokenizer& tok = loaded.tok;
  const bool add_special = (data[0] & 2) != 0;
  const bool parse_special = (data[0] & 1) != 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  try {
    const std::vector<int32_t> ids = tok.encode(text, add_special, parse_special);
    for (int32_t id : ids) {
      if (id < 0 || id >= tok.n_vocab()) finding("id out of range", std::to_string(id));
    }
    const std::string decoded = tok.decode(ids);
    const std::string rendered = tok.decode(ids, true);
    if (!utf8::is_valid(decoded) || !utf8::is_valid(rendered)) finding("decode: invalid UTF-8");
    if (!utf8::is_valid(tok.detokenize(ids, true))) finding("detokenize: invalid UTF-8");

    StreamingDetokenizer stream(tok);
    std::string streamed;
    for (int32_t id : ids) {
      const std::string chunk = stream.push(id);
      if (!utf8::is_valid(chunk)) finding("stream: invalid UTF-8");
      streamed += chunk;
    }
    const std::string rest = stream.flush();
    if (!utf8::is_valid(rest)) finding("stream flush: invalid UTF-8");
    if (streamed + rest != decoded) finding("stream differs from decode");

    // Lossless: plain valid text decodes back to itself. (SPM writes U+2581 for a space,
    // so a text already holding U+2581 comes back with spaces; leave those out.)
    if (loaded.lossless && !parse_special && utf8::is_valid(text) &&
        (tok.type_name() == "BPE" || text.find("\xE2\x96\x81") == std::string_view::npos)) {
      if (decoded != expected_round_trip(tok, text)) finding("round trip differs");
    }
  } catch (const std::exception& e) {
    finding("exception:", e.what());
  }
  return 0;
}
