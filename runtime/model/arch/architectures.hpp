// Per-architecture graph builders (one file each), dispatched by build_model_graph.
#pragma once

#include "model/graph_builder.hpp"

namespace sluice::model {

// llama (Llama 2/3, Mistral: GQA, RoPE with the GGUF's base and scaling, optional
// frequency factors, tied or untied output) and qwen2 (the same with q/k/v biases and
// NeoX-style RoPE).
ModelGraph build_llama_family_graph(const GgufFile& file, const ModelDescription& desc);

}  // namespace sluice::model
