// Builds the step graph of a model (sluice/backend.h's fixed op set) from its
// description and tensors. One graph serves every batch: token counts are symbolic
// (SLUICE_DIM_TOKENS / SLUICE_DIM_OUTPUTS). Backends execute it; architectures live here,
// one file each under arch/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "model/model_description.hpp"
#include "sluice/backend.h"

namespace sluice::model {

struct ModelGraph {
  std::vector<sluice_graph_node> nodes;
  int32_t output_node = -1;  // [n_vocab, n_outputs] logits
  // The weights the graph's SLUICE_OP_WEIGHT nodes index (iparams[0]), in the form a
  // backend's model_load takes. Names point into the GgufFile, which must outlive this.
  std::vector<sluice_tensor_desc> weights;
  std::vector<std::string> weight_names;  // weight_names[i] is weights[i].name

  sluice_graph as_abi() const;
};

// Helpers the per-architecture builders share: each returns the new node's index.
class GraphBuilder {
 public:
  GraphBuilder(const GgufFile& file, const ModelDescription& desc) : file_(file), desc_(desc) {}

  // A model tensor; throws GgufError(missing_key) naming it when absent, or bad_value
  // when its shape is not `expected` (dims beyond expected.size() must be 1).
  int32_t weight(const std::string& name, std::vector<int64_t> expected);
  bool has_weight(const std::string& name) const { return file_.find_tensor(name) != nullptr; }

  int32_t input_tokens();
  int32_t input_positions();
  int32_t get_rows(int32_t table, int32_t ids, int64_t width);
  int32_t rms_norm(int32_t x, int64_t width, float eps);
  int32_t matmul(int32_t w, int32_t x, int64_t out_rows, int64_t out_cols = SLUICE_DIM_TOKENS);
  int32_t add(int32_t a, int32_t b);
  int32_t mul(int32_t a, int32_t b);
  int32_t reshape(int32_t x, std::vector<int64_t> dims);
  int32_t rope(int32_t x, int32_t positions, int32_t freq_factors, int32_t mode);
  int32_t silu_mul(int32_t gate, int32_t up);
  int32_t attention(int32_t q, int32_t k, int32_t v, int32_t layer, float scale, float softcap);
  int32_t output_rows(int32_t x);
  int32_t scale(int32_t x, float factor);

  ModelGraph finish(int32_t logits);

  const ModelDescription& desc() const { return desc_; }

 private:
  int32_t push(int32_t op, std::vector<int32_t> src, std::vector<int64_t> dims);
  const sluice_graph_node& node(int32_t i) const { return graph_.nodes[static_cast<size_t>(i)]; }

  const GgufFile& file_;
  const ModelDescription& desc_;
  ModelGraph graph_;
};

// The graph for `desc`'s architecture; GgufError(unsupported) for an architecture
// without a builder yet, GgufError naming the tensor for missing or misshapen weights.
ModelGraph build_model_graph(const GgufFile& file, const ModelDescription& desc);

}  // namespace sluice::model
