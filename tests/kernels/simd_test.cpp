// Every compiled Highway target this CPU runs agrees with the scalar path. Both are
// within arithmetic_bound() of the exact sum over the same quantized inputs (integer
// block sums are exact; only float accumulation order differs), so they are within
// twice that of each other.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <iostream>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/quant.hpp"
#include "kernels/cpu/ref_quantizers.hpp"
#include "kernels/cpu/scalar_dot.hpp"
#include "kernels/cpu/simd.hpp"

using namespace sluice::kernels;
using namespace sluice::kernels::test;

namespace {

// Restores normal dispatch however the test ends.
struct ForcedTarget {
  explicit ForcedTarget(int64_t target) { simd::force_target(target); }
  ~ForcedTarget() { simd::force_target(0); }
};

}  // namespace

TEST_CASE("each SIMD target agrees with the scalar path", "[simd]") {
  const std::vector<int64_t> targets = simd::available_targets();
  REQUIRE(!targets.empty());
  std::cout << "SIMD targets on this CPU:";
  for (int64_t t : targets) std::cout << ' ' << simd::target_name(t);
  std::cout << " (dispatch picks " << simd::target_name(simd::active_target()) << ")\n";

  for (GgmlType type : weight_types()) {
    REQUIRE(simd::has_kernel(type));
    const int64_t k = block_elements(type) == 1 ? 1000 : 1024;
    const int64_t m = 5, n_max = 9;
    const size_t w_row = row_bytes(type, k), a_row = activation_row_bytes(type, k);
    std::vector<uint8_t> w(w_row * m), act(a_row * n_max);
    for (int64_t r = 0; r < m; ++r) {
      const auto row = random_floats(k, 40 + static_cast<uint32_t>(r), 0.1f);
      quantize_row_ref(type, row.data(), w.data() + r * w_row, k);
    }
    for (int64_t c = 0; c < n_max; ++c) {
      const auto col = random_floats(k, 90 + static_cast<uint32_t>(c));
      quantize_activations(type, col.data(), act.data() + c * a_row, k);
    }
    for (int64_t n : {1, 2, 3, 4, 5, 9}) {
      std::vector<float> expected(static_cast<size_t>(n * m));
      scalar::matmul_rows(type, w.data(), k, 0, m, act.data(), n, expected.data(), m);
      for (int64_t target : targets) {
        ForcedTarget forced(target);
        REQUIRE(simd::active_target() == target);
        std::vector<float> y(static_cast<size_t>(n * m), NAN);
        simd::matmul_rows(type, w.data(), k, 0, m, act.data(), n, y.data(), m);
        for (int64_t c = 0; c < n; ++c) {
          for (int64_t r = 0; r < m; ++r) {
            const Decoded wd = decode_exact(type, w.data() + r * w_row, k);
            const double tolerance = 2 * arithmetic_bound(type, wd, act.data() + c * a_row, k);
            CAPTURE(simd::target_name(target), type_name(type), n, r, c, tolerance);
            REQUIRE(std::fabs(y[c * m + r] - expected[c * m + r]) <= tolerance);
          }
        }
      }
    }
  }
}

// The activation quantizers run in SIMD; every target must give the bits of the scalar
// forms (llama.cpp's x86 rounding for Q8_0/Q8_1, the reference quantizer for Q8_K).
TEST_CASE("each SIMD target quantizes activations bit for bit as the scalar forms", "[simd]") {
  constexpr int64_t k = 2 * kQKK;  // 16 blocks of 32, 2 super-blocks of 256
  std::vector<std::vector<float>> inputs;
  for (uint32_t seed = 0; seed < 4; ++seed) {
    inputs.push_back(random_floats(k, 700 + seed, seed == 3 ? 1e-30f : 1.0f + 10.0f * seed));
  }
  // Ties: amax 127 makes the scale 1, so x.5 values round half to even; the largest
  // magnitude appears with both signs, positive first in one super-block and negative
  // first in the other (Q8_K keeps the first one's sign); a zero block and an all-zero
  // input.
  std::vector<float> edge(k, 0.0f);
  for (int64_t i = 0; i < kQK; ++i) edge[static_cast<size_t>(i)] = static_cast<float>(i) - 15.5f;
  edge[31] = 127.0f;
  edge[40] = -127.0f;  // after +127 at 31
  edge[41] = 127.0f;
  edge[64] = 2.5f;
  edge[65] = -0.5f;
  edge[66] = 127.0f;
  for (int64_t i = 300; i < 320; ++i)
    edge[static_cast<size_t>(i)] = 0.25f * static_cast<float>(i - 310);
  edge[330] = -3.0f;  // super-block 1: -3 first, then +3
  edge[331] = 3.0f;
  inputs.push_back(edge);
  std::vector<float> zeros(k, 0.0f);
  inputs.push_back(zeros);
  // Blocks so small that 127 / amax overflows (and denormals): all quantize to zeros.
  std::vector<float> tiny = random_floats(k, 750, 1e-38f);
  for (int64_t i = 0; i < kQK; ++i) tiny[static_cast<size_t>(i)] *= 1e-3f;
  inputs.push_back(tiny);

  for (const std::vector<float>& x : inputs) {
    std::vector<BlockQ8_0> q8_0(k / kQK);
    std::vector<BlockQ8_1> q8_1(k / kQK);
    std::vector<BlockQ8_K> q8_k(k / kQKK);
    detail::quantize_q8_0_activations_ref(x.data(), q8_0.data(), k);
    detail::quantize_q8_1_activations_ref(x.data(), q8_1.data(), k);
    detail::quantize_q8_k_ref(x.data(), q8_k.data(), k);
    for (int64_t target : simd::available_targets()) {
      ForcedTarget forced(target);
      CAPTURE(simd::target_name(target));
      // Filled with a pattern, so that a block left unwritten shows.
      std::vector<BlockQ8_0> s8_0(q8_0.size());
      std::vector<BlockQ8_1> s8_1(q8_1.size());
      std::vector<BlockQ8_K> s8_k(q8_k.size());
      std::memset(s8_0.data(), 0xA5, s8_0.size() * sizeof(BlockQ8_0));
      std::memset(s8_1.data(), 0xA5, s8_1.size() * sizeof(BlockQ8_1));
      std::memset(s8_k.data(), 0xA5, s8_k.size() * sizeof(BlockQ8_K));
      quantize_activations(GgmlType::q8_0, x.data(), s8_0.data(), k);
      quantize_activations(GgmlType::q4_1, x.data(), s8_1.data(), k);
      quantize_activations(GgmlType::q6_k, x.data(), s8_k.data(), k);
      REQUIRE(std::memcmp(s8_0.data(), q8_0.data(), q8_0.size() * sizeof(BlockQ8_0)) == 0);
      REQUIRE(std::memcmp(s8_1.data(), q8_1.data(), q8_1.size() * sizeof(BlockQ8_1)) == 0);
      REQUIRE(std::memcmp(s8_k.data(), q8_k.data(), q8_k.size() * sizeof(BlockQ8_K)) == 0);
    }
  }
  // The edge rows exercise what they are meant to: a tie rounded to even, and Q8_K
  // keeping the sign of the first largest value.
  std::vector<BlockQ8_0> e(k / kQK);
  quantize_activations(GgmlType::q8_0, edge.data(), e.data(), k);
  CHECK(e[2].qs[0] == 2);    // 2.5 -> 2
  CHECK(e[2].qs[1] == 0);    // -0.5 -> 0
  CHECK(e[0].qs[0] == -16);  // -15.5 -> -16
  std::vector<BlockQ8_K> ek(k / kQKK);
  quantize_activations(GgmlType::q6_k, edge.data(), ek.data(), k);
  CHECK(ek[0].qs[31] == -127);  // +127 came first: it maps to -127, d < 0
  CHECK(ek[0].qs[40] == 127);
  CHECK(ek[0].d < 0.0f);
  CHECK(ek[1].qs[330 - 256] == -127);  // -3 came first: it maps to -127, d > 0
  CHECK(ek[1].qs[331 - 256] == 127);
  CHECK(ek[1].d > 0.0f);
}
