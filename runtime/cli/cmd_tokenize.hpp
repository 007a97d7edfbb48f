// `sluice tokenize`: a model's tokenizer on a text, for checking prompts and templates.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sluice::cli {

struct TokenizeOptions {
  std::filesystem::path model;
  std::string text;                           // used when `file` is not set
  std::optional<std::filesystem::path> file;  // read the text from here (bytes as they are)
  bool no_bos = false;                        // no BOS/EOS (llama.cpp's add_special = false)
  bool special = false;  // recognise special tokens written in the text ("<|im_start|>")
  bool pieces = false;   // one "id<TAB>piece" line per token instead of one line of ids
};

// Prints the token ids of the text, space-separated on one line (or with --pieces one
// `id<TAB>piece` line per token, the piece escaped: \n \t \\ and \xAB for other control and
// non-UTF-8 bytes). Exit 1, with the reason on stderr, on a bad model or unreadable file.
int run_tokenize(const TokenizeOptions& options);

}  // namespace sluice::cli
