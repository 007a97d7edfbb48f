#include "model/quantize_recipe.hpp"

#include <algorithm>
#include <cctype>

#include "model/ggml_type.hpp"

namespace sluice::model {
namespace {

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third
// one between get more bits for attn_v and ffn_down in the _M recipes.
bool use_more_bits(int layer, int n_layer) {
  return layer < n_layer / 8 || layer >= 7 * n_layer / 8 || (layer - n_layer / 8) % 3 == 2;
}

int layer_of(const std::string& name) {
  if (!name.starts_with("blk.")) return -1;
  return std::atoi(name.c_str() + 4);
}

bool fits_blocks(const GgufTensorInfo& t, GgmlType type) {
  return t.dims[0] % ggml_type_info(static_cast<uint32_t>(type))->block_elements == 0;
}

}  // namespace

std::optional<QuantRecipe> parse_quant_recipe(const std::string& name) {
  std::string upper = name;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (upper == "Q8_0") return QuantRecipe::q8_0;
  if (upper == "Q4_0") return QuantRecipe::q4_0;
  if (upper == "Q4_K_M") return QuantRecipe::q4_k_m;
  if (upper == "Q6_K") return QuantRecipe::q6_k;
  return std::nullopt;
}

const char* quant_recipe_name(QuantRecipe recipe) {
  switch (recipe) {
    case QuantRecipe::q8_0: return "Q8_0";
    case QuantRecipe::q4_0: return "Q4_0";
    case QuantRecipe::q4_k_m: return "Q4_K_M";
    case QuantRecipe::q6_k: return "Q6_K";
  }
  return "?";
}

uint32_t quant_recipe_file_type(QuantRecipe recipe) {
  switch (recipe) {
    case QuantRecipe::q8_0: return 7;
    case QuantRecipe::q4_0: return 2;
    case QuantRecipe::q4_k_m: return 15;
    case QuantRecipe::q6_k: return 18;
  }
  return 0;
}

uint32_t quantized_type_for(QuantRecipe recipe, const GgufTensorInfo& t, uint32_t n_layer,
                            bool tied_output) {
  if (t.n_dims < 2 || !t.name.ends_with(".weight")) return t.type;  // norms, biases stay
  GgmlType base = GgmlType::q8_0;
  switch (recipe) {
    case QuantRecipe::q8_0: base = GgmlType::q8_0; break;
    case QuantRecipe::q4_0: base = GgmlType::q4_0; break;
    case QuantRecipe::q4_k_m: base = GgmlType::q4_k; break;
    case QuantRecipe::q6_k: base = GgmlType::q6_k; break;
  }
  GgmlType type = base;
  // The output projection keeps more precision (Q6_K) unless the recipe is Q8_0; with
  // tied embeddings that projection is token_embd.
  const bool output = t.name == "output.weight" || (tied_output && t.name == "token_embd.weight");
  if (output && base != GgmlType::q8_0) type = GgmlType::q6_k;
  if (recipe == QuantRecipe::q4_k_m &&
      (t.name.ends_with("attn_v.weight") || t.name.ends_with("ffn_down.weight")) &&
      use_more_bits(layer_of(t.name), static_cast<int>(n_layer))) {
    type = GgmlType::q6_k;
  }
  // Rows that 256-value K-quant blocks do not divide fall back as llama.cpp does
  // (Q4_K -> Q5_0, Q6_K -> Q8_0); rows that 32-value blocks do not divide stay F16.
  if (!fits_blocks(t, type)) type = type == GgmlType::q4_k ? GgmlType::q5_0 : GgmlType::q8_0;
  if (!fits_blocks(t, type)) type = GgmlType::f16;
  return static_cast<uint32_t>(type);
}

}  // namespace sluice::model
