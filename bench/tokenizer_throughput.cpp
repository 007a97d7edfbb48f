// Benchmark: tokenizer encode and decode throughput (MB/s) on ~5 MB of mixed text: the
// test strings of ../shared/vocab/*.inp (many scripts, emoji, code, whitespace) repeated
// with ASCII prose. Median of 5 runs per vocabulary.
// Usage: tokenizer_throughput VOCAB_DIR VOCAB.gguf...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "model/gguf_file.hpp"
#include "tokenizer/tokenizer.hpp"

namespace {

std::string mixed_text(const std::filesystem::path& vocab_dir) {
  std::string inputs;
  for (const auto& entry : std::filesystem::directory_iterator(vocab_dir)) {
    if (entry.path().extension() != ".inp") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    inputs += s.str();
  }
  const std::string prose =
      "The quick brown fox jumps over the lazy dog while the server streams tokens to many clients "
      "at once. ";
  std::string text;
  while (text.size() < 5'000'000) text += inputs + prose + prose + prose;
  return text;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s VOCAB_DIR VOCAB.gguf...\n", argv[0]);
    return 2;
  }
  const std::string text = mixed_text(argv[1]);
  const double mb = static_cast<double>(text.size()) / 1e6;
  std::printf("text: %.2f MB\n", mb);
  for (int i = 2; i < argc; ++i) {
    try {
      const auto file = sluice::model::GgufFile::open(argv[i]);
      const auto tok = sluice::tokenizer::Tokenizer::from_gguf(file);
      std::vector<double> enc, dec;
      size_t n_tokens = 0;
      for (int rep = 0; rep < 5; ++rep) {
        auto t0 = std::chrono::steady_clock::now();
        const auto ids = tok.encode(text, true);
        auto t1 = std::chrono::steady_clock::now();
        const auto back = tok.decode(ids);
        auto t2 = std::chrono::steady_clock::now();
        n_tokens = ids.size();
        enc.push_back(mb / std::chrono::duration<double>(t1 - t0).count());
        dec.push_back(static_cast<double>(back.size()) / 1e6 /
                      std::chrono::duration<double>(t2 - t1).count());
      }
      std::printf("%s (%s): %zu tokens, encode %.1f MB/s, decode %.1f MB/s (medians of 5)\n",
                  std::filesystem::path(argv[i]).filename().c_str(),
                  std::string(tok.type_name()).c_str(), n_tokens, median(enc), median(dec));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", argv[i], e.what());
      return 1;
    }
  }
  return 0;
}
