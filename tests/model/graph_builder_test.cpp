// The llama-family graph builder: every weight of the shared models is used, shapes
// check out, and missing or misshapen tensors are named.
#include <catch2/catch.hpp>
#include <set>
#include <sstream>

#include "model/gguf_writer.hpp"
#include "model/graph_builder.hpp"
#include "test_support.hpp"

using namespace sluice::model;
using namespace sluice::test;

namespace {

int count_op(const ModelGraph& g, int32_t op) {
  int n = 0;
  for (const auto& node : g.nodes) n += node.op == op;
  return n;
}

void check_well_formed(const ModelGraph& g) {
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    for (int32_t s : g.nodes[i].src) CHECK(s < static_cast<int32_t>(i));  // topological
  }
  REQUIRE(g.output_node == static_cast<int32_t>(g.nodes.size()) - 1);
  CHECK(g.nodes.back().op == SLUICE_OP_MATMUL);
  CHECK(g.nodes.back().dims[1] == SLUICE_DIM_OUTPUTS);
}

}  // namespace

TEST_CASE("stories260K's graph uses every tensor once", "[graph]") {
  const auto path = shared_file("models/stories260K.gguf");
  if (path.empty()) return;
  const auto file = GgufFile::open(path);
  const auto desc = ModelDescription::from_gguf(file);
  const auto g = build_model_graph(file, desc);
  check_well_formed(g);
  CHECK(g.weights.size() == file.tensors().size());
  CHECK(std::set<std::string>(g.weight_names.begin(), g.weight_names.end()).size() ==
        g.weights.size());
  CHECK(count_op(g, SLUICE_OP_ATTENTION) == 5);
  CHECK(count_op(g, SLUICE_OP_ROPE) == 10);
  CHECK(count_op(g, SLUICE_OP_MATMUL) == 5 * 7 + 1);
  CHECK(g.nodes.back().dims[0] == 512);
  for (const auto& n : g.nodes) {
    if (n.op == SLUICE_OP_ROPE) CHECK(n.iparams[0] == SLUICE_ROPE_NORMAL);
  }
}

TEST_CASE("qwen2's graph adds q/k/v biases and NeoX RoPE", "[graph]") {
  const auto path = shared_file("models/tiny-qwen2-q8_0.gguf");
  if (path.empty()) return;
  const auto file = GgufFile::open(path);
  const auto g = build_model_graph(file, ModelDescription::from_gguf(file));
  check_well_formed(g);
  CHECK(g.weights.size() == file.tensors().size());
  for (const auto& n : g.nodes) {
    if (n.op == SLUICE_OP_ROPE) CHECK(n.iparams[0] == SLUICE_ROPE_NEOX);
  }
}

TEST_CASE("a missing tensor is named", "[graph]") {
  const auto path = shared_file("models/stories260K.gguf");
  if (path.empty()) return;
  const auto file = GgufFile::open(path);
  auto writer = GgufWriter::from(file);
  std::ostringstream out;
  // Drop one tensor by rebuilding without it.
  GgufWriter pruned;
  for (const auto& kv : writer.metadata()) pruned.set(kv.key, kv.value);
  for (const auto& t : writer.tensors()) {
    if (t.name != "blk.3.ffn_up.weight") pruned.add_tensor(t);
  }
  pruned.write(out);
  const std::string bytes = out.str();
  const auto broken = GgufFile::parse(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  try {
    build_model_graph(broken, ModelDescription::from_gguf(broken));
    FAIL("built");
  } catch (const GgufError& e) {
    CHECK(e.code() == GgufError::Code::missing_key);
    CHECK(e.field() == "blk.3.ffn_up.weight");
  }
}
