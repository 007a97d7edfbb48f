// Every compiled Highway target this CPU runs agrees with the scalar path. Both are
// within arithmetic_bound() of the exact sum over the same quantized inputs (integer
// block sums are exact; only float accumulation order differs), so they are within
// twice that of each other.
#include <catch2/catch.hpp>
#include <cmath>
#include <iostream>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/quant.hpp"
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
