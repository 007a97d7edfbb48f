// Which type each tensor gets from `sluice quantize`, against llama.cpp's recipe
// (llama-quant.cpp's llama_tensor_get_type) on tensors of the shapes of a Llama model.
#include <catch2/catch.hpp>

#include "kernels/cpu/types.hpp"
#include "model/quantize_recipe.hpp"

using sluice::kernels::GgmlType;
using namespace sluice::model;

namespace {

GgufTensorInfo tensor(const std::string& name, uint64_t cols, uint64_t rows) {
  GgufTensorInfo t;
  t.name = name;
  t.type = static_cast<uint32_t>(GgmlType::f32);
  t.n_dims = 2;
  t.dims = {cols, rows, 1, 1};
  t.n_elements = cols * rows;
  return t;
}

GgmlType type_for(QuantRecipe recipe, const GgufTensorInfo& t, bool tied_output) {
  return static_cast<GgmlType>(quantized_type_for(recipe, t, 16, tied_output));
}

}  // namespace

TEST_CASE("Q4_K_M gives the output projection Q6_K, tied or not", "[quantize]") {
  const auto embd = tensor("token_embd.weight", 2048, 1000);
  const auto output = tensor("output.weight", 2048, 1000);
  // Untied: output.weight is the projection, token_embd stays with the base type.
  REQUIRE(type_for(QuantRecipe::q4_k_m, output, false) == GgmlType::q6_k);
  REQUIRE(type_for(QuantRecipe::q4_k_m, embd, false) == GgmlType::q4_k);
  // Tied (no output.weight): token_embd is quantized as the output.
  REQUIRE(type_for(QuantRecipe::q4_k_m, embd, true) == GgmlType::q6_k);
  REQUIRE(type_for(QuantRecipe::q4_0, embd, true) == GgmlType::q6_k);
  // Q8_0 keeps Q8_0 everywhere.
  REQUIRE(type_for(QuantRecipe::q8_0, embd, true) == GgmlType::q8_0);
  // Rows Q6_K's 256-value blocks do not divide fall back to Q8_0, as llama.cpp's.
  REQUIRE(type_for(QuantRecipe::q4_k_m, tensor("token_embd.weight", 576, 1000), true) ==
          GgmlType::q8_0);
}

TEST_CASE("Q4_K_M gives attn_v and ffn_down Q6_K in llama.cpp's use_more_bits layers",
          "[quantize]") {
  // 16 layers: the first and last two, and every third from layer 2 + 2.
  for (int layer = 0; layer < 16; ++layer) {
    const bool more = layer < 2 || layer >= 14 || (layer - 2) % 3 == 2;
    const auto v = tensor("blk." + std::to_string(layer) + ".attn_v.weight", 2048, 512);
    const auto q = tensor("blk." + std::to_string(layer) + ".attn_q.weight", 2048, 2048);
    CAPTURE(layer);
    REQUIRE(type_for(QuantRecipe::q4_k_m, v, true) == (more ? GgmlType::q6_k : GgmlType::q4_k));
    REQUIRE(type_for(QuantRecipe::q4_k_m, q, true) == GgmlType::q4_k);
  }
}
