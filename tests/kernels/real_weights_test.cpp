// Real weights: ../shared/models/tiny-*.gguf were quantized by llama.cpp's llama-quantize
// (no importance matrix) from the same F32 weights as tiny-f32.gguf. Our dequantization
// must land each value on the nearest level of its block, and our reference quantizers
// must reproduce llama.cpp's bytes exactly.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/quant.hpp"
#include "model/gguf_file.hpp"

using namespace sluice::kernels;
using namespace sluice::kernels::test;
using sluice::model::GgufFile;

namespace {

// The model file, or an empty path after printing the SKIPPED line ctest looks for.
std::filesystem::path model_file(const std::string& name) {
  const auto path = shared_dir() / "models" / name;
  if (!std::filesystem::exists(path)) {
    std::cout << "SKIPPED: " << path.string() << " is absent\n";
    return {};
  }
  return path;
}

struct Tally {
  std::map<std::string, int> tensors_by_type;
  int64_t rows = 0;
};

// Compares every quantized tensor of `quantized_name` with its F32 original.
Tally compare_file(const std::string& quantized_name) {
  Tally tally;
  const auto f32_path = model_file("tiny-f32.gguf");
  const auto q_path = model_file(quantized_name);
  if (f32_path.empty() || q_path.empty()) return tally;
  const GgufFile original = GgufFile::open(f32_path);
  const GgufFile quantized = GgufFile::open(q_path);
  for (const auto& tensor : quantized.tensors()) {
    const auto type = static_cast<GgmlType>(tensor.type);
    REQUIRE(is_known_type(type));
    if (type == GgmlType::f32) continue;  // norms stay F32
    const auto* source = original.find_tensor(tensor.name);
    REQUIRE(source != nullptr);
    REQUIRE(source->type == static_cast<uint32_t>(GgmlType::f32));
    REQUIRE(source->n_elements == tensor.n_elements);
    const int64_t k = static_cast<int64_t>(tensor.dims[0]);
    const int64_t rows = static_cast<int64_t>(tensor.n_elements) / k;
    const size_t q_row = row_bytes(type, k);
    REQUIRE(tensor.size_bytes == q_row * static_cast<size_t>(rows));
    ++tally.tensors_by_type[type_name(type)];
    std::vector<float> x(static_cast<size_t>(k)), deq(static_cast<size_t>(k));
    std::vector<uint8_t> ours(q_row);
    for (int64_t r = 0; r < rows; ++r) {
      CAPTURE(quantized_name, tensor.name, type_name(type), r);
      std::memcpy(x.data(), source->data + r * k * sizeof(float), k * sizeof(float));
      const uint8_t* theirs = tensor.data + r * q_row;
      // (a) llama.cpp's bytes dequantize onto the nearest levels of the F32 original.
      dequantize_row(type, theirs, deq.data(), k);
      const Decoded exact = decode_exact(type, theirs, k);
      for (int64_t i = 0; i < k; ++i) {
        REQUIRE(std::fabs(deq[i] - exact.value[i]) <= 0x1p-23 * exact.envelope[i]);
        REQUIRE(std::fabs(x[i] - exact.value[i]) <=
                nearest_level_bound(type, exact, static_cast<size_t>(i), x[i]));
      }
      // (b) Our reference quantizer gives the very same bytes.
      quantize_row_ref(type, x.data(), ours.data(), k);
      REQUIRE(std::memcmp(ours.data(), theirs, q_row) == 0);
      ++tally.rows;
    }
  }
  return tally;
}

void report(const std::string& name, const Tally& tally) {
  std::cout << name << ":";
  for (const auto& [type, count] : tally.tensors_by_type) std::cout << ' ' << count << 'x' << type;
  std::cout << ", " << tally.rows << " rows identical\n";
}

}  // namespace

TEST_CASE("Q8_0 weights match llama.cpp byte for byte", "[real]") {
  const Tally tally = compare_file("tiny-q8_0.gguf");
  if (tally.rows == 0) return;
  report("tiny-q8_0", tally);
  REQUIRE(tally.tensors_by_type.count("Q8_0") == 1);
}

TEST_CASE("Q4_0 weights match llama.cpp byte for byte", "[real]") {
  const Tally tally = compare_file("tiny-q4_0.gguf");
  if (tally.rows == 0) return;
  report("tiny-q4_0", tally);
  REQUIRE(tally.tensors_by_type.count("Q4_0") == 1);
}

TEST_CASE("Q4_K_M weights (Q4_K and Q6_K) match llama.cpp byte for byte", "[real]") {
  const Tally tally = compare_file("tiny-q4_k_m.gguf");
  if (tally.rows == 0) return;
  report("tiny-q4_k_m", tally);
  REQUIRE(tally.tensors_by_type.count("Q4_K") == 1);
  REQUIRE(tally.tensors_by_type.count("Q6_K") == 1);
}

TEST_CASE("Q6_K weights match llama.cpp byte for byte", "[real]") {
  const Tally tally = compare_file("tiny-q6_k.gguf");
  if (tally.rows == 0) return;
  report("tiny-q6_k", tally);
  REQUIRE(tally.tensors_by_type.count("Q6_K") == 1);
}

TEST_CASE("Q4_1, Q5_0 and Q5_K_M weights match llama.cpp byte for byte", "[real]") {
  for (const char* name : {"tiny-q4_1.gguf", "tiny-q5_0.gguf", "tiny-q5_k_m.gguf"}) {
    const Tally tally = compare_file(name);
    if (tally.rows == 0) return;
    report(name, tally);
  }
}
