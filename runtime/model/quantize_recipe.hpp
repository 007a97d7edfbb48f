// Which type each tensor gets when a model is quantized, following llama.cpp's
// llama-quantize recipes so the files match what users get from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "model/gguf_file.hpp"

namespace sluice::model {

enum class QuantRecipe { q8_0, q4_0, q4_k_m, q6_k };

// "Q8_0", "Q4_0", "Q4_K_M", "Q6_K" (case-insensitive); nullopt otherwise.
std::optional<QuantRecipe> parse_quant_recipe(const std::string& name);
const char* quant_recipe_name(QuantRecipe recipe);
// general.file_type for the recipe (llama.cpp's LLAMA_FTYPE_MOSTLY_*).
uint32_t quant_recipe_file_type(QuantRecipe recipe);

// The GgmlType id for `tensor`, or its current type when it stays (1-D tensors such as
// norms stay F32). `n_layer` is the model's block count; `tied_output` says the model has
// no output.weight, so token_embd.weight is also the output projection and is quantized
// as one (llama.cpp does the same).
uint32_t quantized_type_for(QuantRecipe recipe, const GgufTensorInfo& tensor, uint32_t n_layer,
                            bool tied_output);

}  // namespace sluice::model
