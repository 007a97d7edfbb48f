// sluice-make-test-model: writes a random-weight llama-architecture GGUF of the given
// shapes, with the tokenizer (every tokenizer.* key) copied from a vocabulary GGUF, for
// benchmarks and tests on models that are not shipped. Weights are N(0, 0.02) (norm
// scales 1), so outputs are meaningless but the work per token is a real model's.
//
//   sluice-make-test-model --vocab ggml-vocab-llama-bpe.gguf --dim 2048 --layers 16
//       --heads 32 --kv-heads 8 --ffn 8192 --tied --type f16 --out 1b-f16.gguf
#include <CLI/CLI.hpp>
#include <cstdio>
#include <random>

#include "kernels/cpu/quant.hpp"
#include "model/gguf_file.hpp"
#include "model/gguf_writer.hpp"

using namespace sluice;

int main(int argc, char** argv) {
  CLI::App app{"Write a random-weight llama GGUF with a real tokenizer", "sluice-make-test-model"};
  std::string vocab_path, out_path, type_name = "f16";
  uint32_t dim = 0, layers = 0, heads = 0, kv_heads = 0, ffn = 0, ctx = 4096;
  float rope_base = 500000.0f;
  bool tied = false;
  uint64_t seed = 1;
  app.add_option("--vocab", vocab_path, "GGUF whose tokenizer.* keys are copied")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--out", out_path, "Output GGUF")->required();
  app.add_option("--dim", dim, "Embedding width")->required();
  app.add_option("--layers", layers, "Blocks")->required();
  app.add_option("--heads", heads, "Attention heads")->required();
  app.add_option("--kv-heads", kv_heads, "KV heads (GQA)")->required();
  app.add_option("--ffn", ffn, "Feed-forward width")->required();
  app.add_option("--ctx", ctx, "Training context length");
  app.add_option("--rope-base", rope_base, "RoPE frequency base");
  app.add_flag("--tied", tied, "No output.weight: logits use the embedding");
  app.add_option("--type", type_name, "Matrix type: f32, f16 or bf16")
      ->check(CLI::IsMember({"f32", "f16", "bf16"}));
  app.add_option("--seed", seed, "Random seed");
  CLI11_PARSE(app, argc, argv);
  if (dim % heads != 0 || heads % kv_heads != 0) {
    std::fprintf(stderr, "--dim must be a multiple of --heads, and --heads of --kv-heads\n");
    return 2;
  }
  try {
    const auto vocab = model::GgufFile::open(vocab_path);
    const auto* tokens = vocab.find("tokenizer.ggml.tokens");
    if (tokens == nullptr) throw std::runtime_error(vocab_path + " has no tokenizer.ggml.tokens");
    const uint64_t n_vocab = tokens->count;

    model::GgufWriter w;
    w.set("general.architecture", model::GgufValue::of_string("llama"));
    w.set("general.name", model::GgufValue::of_string("sluice random test model"));
    w.set("llama.context_length", model::GgufValue::of_uint32(ctx));
    w.set("llama.embedding_length", model::GgufValue::of_uint32(dim));
    w.set("llama.block_count", model::GgufValue::of_uint32(layers));
    w.set("llama.feed_forward_length", model::GgufValue::of_uint32(ffn));
    w.set("llama.attention.head_count", model::GgufValue::of_uint32(heads));
    w.set("llama.attention.head_count_kv", model::GgufValue::of_uint32(kv_heads));
    w.set("llama.attention.layer_norm_rms_epsilon", model::GgufValue::of_float32(1e-5f));
    w.set("llama.rope.freq_base", model::GgufValue::of_float32(rope_base));
    w.set("llama.rope.dimension_count", model::GgufValue::of_uint32(dim / heads));
    const auto type = type_name == "f32"    ? kernels::GgmlType::f32
                      : type_name == "bf16" ? kernels::GgmlType::bf16
                                            : kernels::GgmlType::f16;
    w.set("general.file_type", model::GgufValue::of_uint32(type == kernels::GgmlType::f32   ? 0
                                                           : type == kernels::GgmlType::f16 ? 1
                                                                                            : 32));
    for (const auto& kv : vocab.metadata()) {
      if (kv.key.starts_with("tokenizer.")) w.set(kv.key, kv.value);
    }

    std::mt19937_64 rng(seed);
    std::normal_distribution<float> normal(0.0f, 0.02f);
    std::vector<std::vector<uint8_t>> storage;  // tensors' bytes, alive until write
    auto add = [&](const std::string& name, std::vector<uint64_t> dims, bool norm) {
      uint64_t n = 1;
      for (auto d : dims) n *= d;
      std::vector<float> values(n);
      for (auto& v : values) v = norm ? 1.0f : normal(rng);
      const auto t = norm ? kernels::GgmlType::f32 : type;
      std::vector<uint8_t> bytes(kernels::row_bytes(t, static_cast<int64_t>(dims[0])) *
                                 (n / dims[0]));
      const size_t row = bytes.size() / (n / dims[0]);
      for (uint64_t r = 0; r < n / dims[0]; ++r) {
        kernels::quantize_row_ref(t, values.data() + r * dims[0], bytes.data() + r * row,
                                  static_cast<int64_t>(dims[0]));
      }
      storage.push_back(std::move(bytes));
      w.add_tensor({name, static_cast<uint32_t>(t), dims, storage.back()});
    };
    storage.reserve(4 + 9 * layers);
    const uint32_t head_dim = dim / heads;
    add("token_embd.weight", {dim, n_vocab}, false);
    add("output_norm.weight", {dim}, true);
    if (!tied) add("output.weight", {dim, n_vocab}, false);
    for (uint32_t l = 0; l < layers; ++l) {
      const std::string p = "blk." + std::to_string(l) + ".";
      add(p + "attn_norm.weight", {dim}, true);
      add(p + "attn_q.weight", {dim, dim}, false);
      add(p + "attn_k.weight", {dim, head_dim * kv_heads}, false);
      add(p + "attn_v.weight", {dim, head_dim * kv_heads}, false);
      add(p + "attn_output.weight", {dim, dim}, false);
      add(p + "ffn_norm.weight", {dim}, true);
      add(p + "ffn_gate.weight", {dim, ffn}, false);
      add(p + "ffn_up.weight", {dim, ffn}, false);
      add(p + "ffn_down.weight", {ffn, dim}, false);
    }
    w.write_file(out_path);
    std::printf("%s: llama, dim %u, %u layers, %u heads, %u kv heads, ffn %u, vocab %llu, %s%s\n",
                out_path.c_str(), dim, layers, heads, kv_heads, ffn,
                static_cast<unsigned long long>(n_vocab), type_name.c_str(),
                tied ? ", tied output" : "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
