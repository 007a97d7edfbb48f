#include "cli/cmd_tokenize.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string_view>

#include "model/gguf_error.hpp"
#include "model/gguf_file.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

namespace sluice::cli {
namespace {

// A piece on one line: printable UTF-8 as is, control and stray bytes escaped.
std::string escape_piece(std::string_view piece) {
  std::string out;
  size_t pos = 0;
  while (pos < piece.size()) {
    const auto seq = tokenizer::utf8::next_sequence(piece, pos);
    const auto c = static_cast<unsigned char>(piece[pos]);
    if (seq.status == tokenizer::utf8::SequenceStatus::complete && seq.length > 1) {
      out.append(piece.substr(pos, seq.length));
      pos += seq.length;
      continue;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
    ++pos;
  }
  return out;
}

}  // namespace

int run_tokenize(const TokenizeOptions& options) {
  try {
    std::string text = options.text;
    if (options.file) {
      std::ifstream in(*options.file, std::ios::binary);
      if (!in) {
        std::fprintf(stderr, "sluice tokenize: cannot read %s\n", options.file->c_str());
        return 1;
      }
      text.assign(std::istreambuf_iterator<char>(in), {});
    }
    const auto file = model::GgufFile::open(options.model);
    const auto tok = tokenizer::Tokenizer::from_gguf(file);
    const auto ids = tok.encode(text, !options.no_bos, options.special);
    if (options.pieces) {
      for (int32_t id : ids) {
        std::printf("%d\t%s\n", id, escape_piece(tok.token_to_piece(id, true)).c_str());
      }
    } else {
      std::string line;
      for (int32_t id : ids) line += (line.empty() ? "" : " ") + std::to_string(id);
      std::printf("%s\n", line.c_str());
    }
    return 0;
  } catch (const model::GgufError& e) {
    std::fprintf(stderr, "sluice tokenize: %s\n", e.what());
  } catch (const tokenizer::TokenizerError& e) {
    std::fprintf(stderr, "sluice tokenize: %s: %s\n", options.model.c_str(), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sluice tokenize: %s\n", e.what());
  }
  return 1;
}

}  // namespace sluice::cli
