// Benchmark: time to open and validate a ~1 GB GGUF (mmap: only metadata is read).
// Builds the file once: the metadata of a real vocabulary GGUF (e.g. Llama 3's 128k
// tokens and 280k merges) plus Llama-3.2-1B-like F16 tensors up to the asked size.
// Usage: gguf_open VOCAB.gguf OUT.gguf [GIB=1] [REPEATS=21]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "model/gguf_file.hpp"
#include "model/gguf_writer.hpp"
#include "model/model_description.hpp"

using namespace sluice::model;

namespace {

void build(const std::filesystem::path& vocab_path, const std::filesystem::path& out, double gib) {
  const GgufFile vocab = GgufFile::open(vocab_path);
  GgufWriter w;
  for (const auto& kv : vocab.metadata()) {
    if (kv.key.starts_with("tokenizer.") || kv.key.starts_with("general.")) w.set(kv.key, kv.value);
  }
  w.set("general.architecture", GgufValue::of_string("llama"));
  const uint32_t dim = 2048, ff = 8192, kv_dim = 512;
  w.set("llama.context_length", GgufValue::of_uint32(8192));
  w.set("llama.embedding_length", GgufValue::of_uint32(dim));
  w.set("llama.feed_forward_length", GgufValue::of_uint32(ff));
  w.set("llama.attention.head_count", GgufValue::of_uint32(32));
  w.set("llama.attention.head_count_kv", GgufValue::of_uint32(8));
  const uint64_t n_vocab = vocab.find("tokenizer.ggml.tokens")->count;
  const uint64_t layer_bytes = 2ull * (2ull * dim * dim + 2ull * dim * kv_dim + 3ull * dim * ff);
  const uint64_t embd_bytes = 2ull * dim * n_vocab;
  const uint64_t target = static_cast<uint64_t>(gib * (1ull << 30));
  const uint32_t layers = static_cast<uint32_t>(
      std::max<uint64_t>(1, (target - std::min(target, embd_bytes)) / layer_bytes));
  w.set("llama.block_count", GgufValue::of_uint32(layers));
  static std::vector<uint8_t> zeros(2ull * dim * std::max<uint64_t>(ff, n_vocab));
  w.add_tensor({"token_embd.weight", 1, {dim, n_vocab}, {zeros.data(), embd_bytes}});
  for (uint32_t l = 0; l < layers; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    w.add_tensor({p + "attn_q.weight", 1, {dim, dim}, {zeros.data(), 2ull * dim * dim}});
    w.add_tensor({p + "attn_k.weight", 1, {dim, kv_dim}, {zeros.data(), 2ull * dim * kv_dim}});
    w.add_tensor({p + "attn_v.weight", 1, {dim, kv_dim}, {zeros.data(), 2ull * dim * kv_dim}});
    w.add_tensor({p + "attn_output.weight", 1, {dim, dim}, {zeros.data(), 2ull * dim * dim}});
    w.add_tensor({p + "ffn_gate.weight", 1, {dim, ff}, {zeros.data(), 2ull * dim * ff}});
    w.add_tensor({p + "ffn_up.weight", 1, {dim, ff}, {zeros.data(), 2ull * dim * ff}});
    w.add_tensor({p + "ffn_down.weight", 1, {ff, dim}, {zeros.data(), 2ull * dim * ff}});
  }
  w.write_file(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s VOCAB.gguf OUT.gguf [GIB=1] [REPEATS=21]\n", argv[0]);
    return 2;
  }
  const double gib = argc > 3 ? std::atof(argv[3]) : 1.0;
  const int repeats = argc > 4 ? std::atoi(argv[4]) : 21;
  try {
    if (!std::filesystem::exists(argv[2])) build(argv[1], argv[2], gib);
    std::vector<double> ms;
    size_t tensors = 0;
    for (int i = 0; i < repeats; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const GgufFile file = GgufFile::open(argv[2]);
      const ModelDescription d = ModelDescription::from_gguf(file);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      tensors = file.tensors().size();
      (void)d;
    }
    std::sort(ms.begin(), ms.end());
    std::printf(
        "gguf_open: %s, %.2f GiB, %zu tensors: median %.2f ms (min %.2f, max %.2f) over %d opens\n",
        argv[2], std::filesystem::file_size(argv[2]) / double(1ull << 30), tensors,
        ms[ms.size() / 2], ms.front(), ms.back(), repeats);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
