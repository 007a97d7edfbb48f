// Architecture and hyperparameters from GGUF metadata, checked against the shared
// models' known shapes.
#include <catch2/catch.hpp>
#include <sstream>

#include "model/gguf_writer.hpp"
#include "model/model_description.hpp"
#include "test_support.hpp"

using sluice::model::GgufError;
using sluice::model::GgufFile;
using sluice::model::GgufValue;
using sluice::model::GgufWriter;
using sluice::model::ModelDescription;
using namespace sluice::test;

namespace {

GgufFile reparse(const GgufWriter& writer, std::string& storage) {
  std::ostringstream out;
  writer.write(out);
  storage = out.str();
  return GgufFile::parse(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(storage.data()), storage.size()));
}

}  // namespace

TEST_CASE("stories260K is a small llama", "[model]") {
  const auto path = shared_file("models/stories260K.gguf");
  if (path.empty()) return;
  const auto d = ModelDescription::from_gguf(GgufFile::open(path));
  CHECK(d.arch == sluice::model::Architecture::llama);
  CHECK(d.n_vocab == 512);
  CHECK(d.n_embd == 64);
  CHECK(d.n_layer == 5);
  CHECK(d.n_head == 8);
  CHECK(d.n_head_kv == 4);
  CHECK(d.head_dim_k == 8);
  CHECK(d.n_ff == 172);
  CHECK_FALSE(d.tied_output);
  CHECK_FALSE(d.has_qkv_bias);
  CHECK(d.tokenizer_model == "llama");
  CHECK(d.n_params == 292800);
}

TEST_CASE("the tiny models: llama and qwen2 shapes", "[model]") {
  const auto llama = shared_file("models/tiny-q8_0.gguf");
  const auto qwen = shared_file("models/tiny-qwen2-f32.gguf");
  if (llama.empty() || qwen.empty()) return;
  const auto l = ModelDescription::from_gguf(GgufFile::open(llama));
  CHECK(l.n_embd == 256);
  CHECK(l.n_layer == 4);
  CHECK(l.n_head == 8);
  CHECK(l.n_head_kv == 4);
  CHECK(l.n_ff == 768);
  const auto q = ModelDescription::from_gguf(GgufFile::open(qwen));
  CHECK(q.arch == sluice::model::Architecture::qwen2);
  CHECK(q.has_qkv_bias);
  CHECK(q.n_head_kv == 2);
}

TEST_CASE("an architecture we do not run is a clear error", "[model]") {
  GgufWriter w;
  w.set("general.architecture", GgufValue::of_string("mamba"));
  std::string storage;
  const auto file = reparse(w, storage);
  try {
    ModelDescription::from_gguf(file);
    FAIL("accepted");
  } catch (const GgufError& e) {
    CHECK(e.code() == GgufError::Code::unsupported);
    CHECK_THAT(e.what(), Catch::Contains("architecture 'mamba' is not supported"));
  }
}

TEST_CASE("missing and inconsistent hyperparameters are named", "[model]") {
  GgufWriter w;
  w.set("general.architecture", GgufValue::of_string("llama"));
  w.set("llama.context_length", GgufValue::of_uint32(128));
  w.set("llama.embedding_length", GgufValue::of_uint32(64));
  w.set("llama.block_count", GgufValue::of_uint32(2));
  w.set("llama.feed_forward_length", GgufValue::of_uint32(128));
  std::string storage;
  try {
    ModelDescription::from_gguf(reparse(w, storage));
    FAIL("accepted");
  } catch (const GgufError& e) {
    CHECK(e.code() == GgufError::Code::missing_key);
    CHECK(e.field() == "llama.attention.head_count");
  }
  w.set("llama.attention.head_count", GgufValue::of_uint32(8));
  w.set("llama.attention.head_count_kv", GgufValue::of_uint32(3));
  try {
    ModelDescription::from_gguf(reparse(w, storage));
    FAIL("accepted");
  } catch (const GgufError& e) {
    CHECK(e.code() == GgufError::Code::bad_value);
    CHECK_THAT(e.what(), Catch::Contains("3 KV heads do not divide 8 heads"));
  }
  w.set("llama.attention.head_count_kv", GgufValue::of_string("four"));
  try {
    ModelDescription::from_gguf(reparse(w, storage));
    FAIL("accepted");
  } catch (const GgufError& e) {
    CHECK(e.code() == GgufError::Code::wrong_type);
  }
  w.set("llama.attention.head_count_kv", GgufValue::of_uint32(4));
  CHECK(ModelDescription::from_gguf(reparse(w, storage)).head_dim_k == 8);
}

TEST_CASE("gemma2, qwen3 and phi3 hyperparameters are read", "[model]") {
  auto base = [](const std::string& arch) {
    GgufWriter w;
    w.set("general.architecture", GgufValue::of_string(arch));
    w.set(arch + ".context_length", GgufValue::of_uint32(8192));
    w.set(arch + ".embedding_length", GgufValue::of_uint32(2304));
    w.set(arch + ".block_count", GgufValue::of_uint32(26));
    w.set(arch + ".feed_forward_length", GgufValue::of_uint32(9216));
    w.set(arch + ".attention.head_count", GgufValue::of_uint32(8));
    w.set(arch + ".attention.head_count_kv", GgufValue::of_uint32(4));
    return w;
  };
  std::string storage;
  auto gemma = base("gemma2");
  gemma.set("gemma2.attention.key_length", GgufValue::of_uint32(256));
  gemma.set("gemma2.attn_logit_softcapping", GgufValue::of_float32(50.0f));
  gemma.set("gemma2.final_logit_softcapping", GgufValue::of_float32(30.0f));
  gemma.set("gemma2.attention.sliding_window", GgufValue::of_uint32(4096));
  const auto g = ModelDescription::from_gguf(reparse(gemma, storage));
  CHECK(g.arch == sluice::model::Architecture::gemma2);
  CHECK(g.head_dim_k == 256);  // not embedding / heads (288)
  CHECK(g.attn_logit_softcap == 50.0f);
  CHECK(g.final_logit_softcap == 30.0f);
  CHECK(g.sliding_window == 4096);

  auto qwen3 = base("qwen3");
  qwen3.set("qwen3.rope.freq_base", GgufValue::of_float32(1000000.0f));
  const auto q = ModelDescription::from_gguf(reparse(qwen3, storage));
  CHECK(q.arch == sluice::model::Architecture::qwen3);
  CHECK(q.rope_freq_base == 1000000.0f);

  auto phi3 = base("phi3");
  phi3.set("phi3.rope.scaling.type", GgufValue::of_string("yarn"));
  phi3.set("phi3.rope.scaling.factor", GgufValue::of_float32(4.0f));
  phi3.set("phi3.rope.scaling.original_context_length", GgufValue::of_uint32(4096));
  const auto p = ModelDescription::from_gguf(reparse(phi3, storage));
  CHECK(p.arch == sluice::model::Architecture::phi3);
  CHECK(p.rope_scaling.type == "yarn");
  CHECK(p.rope_scaling.factor == 4.0);
  CHECK(p.rope_scaling.original_context_length == 4096);
}
