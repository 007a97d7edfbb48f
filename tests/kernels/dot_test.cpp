// Dot products and matmul_rows of every weight type against a float64 reference:
// exact weights (decoded in double) times the original float activations.
//
// The kernel's result K differs from E = sum W_i x_i by
//   K - E = (K - sum W_i a_i) + sum W_i (a_i - x_i)
// where a_i is the activation after quantization to vec_dot_type. The first part is
// float arithmetic, bounded by arithmetic_bound(); the second is at most
// sum |W_i| * act_err_i with act_err_i the a priori bound of activation_error_bound()
// (about 0.56 d for Q8_0/Q8_1 and 0.5 d for Q8_K, d = block amax / 127). Both bounds are
// computed from the data of each case; nothing is tuned to observed errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/quant.hpp"

using namespace sluice::kernels;
using namespace sluice::kernels::test;

namespace {

struct Case {
  GgmlType type;
  int64_t k;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (GgmlType type : weight_types()) {
    const int64_t block = block_elements(type);
    if (block == 1) {
      // Odd and even vector counts on every target (vectors of 4, 8 or 16 floats), with
      // and without a scalar tail: the float kernels alternate two FMA chains.
      for (int64_t k : {1, 24, 33, 53, 100, 256, 2048}) out.push_back({type, k});
    } else if (block == 32) {
      // 1, 3, 6, 8 and 64 blocks: the one-column kernels take four at a time.
      for (int64_t k : {32, 96, 192, 256, 2048}) out.push_back({type, k});
    } else {
      // 5 and 7 super-blocks: Q4_K's one-column kernel takes four at a time.
      for (int64_t k : {256, 512, 1280, 1792, 2048}) out.push_back({type, k});
    }
  }
  return out;
}

struct Problem {
  GgmlType type;
  int64_t k, m, n;
  std::vector<std::vector<float>> w_float, x;  // rows, columns
  std::vector<uint8_t> w;                      // m rows of row_bytes(type, k)
  std::vector<uint8_t> act;                    // n columns of activation_row_bytes
  size_t w_row, a_row;
};

Problem make_problem(GgmlType type, int64_t k, int64_t m, int64_t n, uint32_t seed) {
  Problem p{type, k, m, n, {}, {}, {}, {}, row_bytes(type, k), activation_row_bytes(type, k)};
  p.w.resize(p.w_row * m);
  p.act.resize(p.a_row * n);
  for (int64_t r = 0; r < m; ++r) {
    p.w_float.push_back(random_floats(k, seed + 1000 * static_cast<uint32_t>(r), 0.05f));
    quantize_row_ref(type, p.w_float.back().data(), p.w.data() + r * p.w_row, k);
  }
  for (int64_t c = 0; c < n; ++c) {
    p.x.push_back(random_floats(k, seed + 7 + 31 * static_cast<uint32_t>(c), 2.0f));
    quantize_activations(type, p.x.back().data(), p.act.data() + c * p.a_row, k);
  }
  return p;
}

// Checks one result against the float64 reference with the bounds described above.
void check_result(const Problem& p, int64_t r, int64_t c, float result) {
  const void* w_row = p.w.data() + r * p.w_row;
  const void* a_row = p.act.data() + c * p.a_row;
  const Decoded w = decode_exact(p.type, w_row, p.k);
  const Decoded a = decode_exact(vec_dot_type(p.type), a_row, p.k);
  const std::vector<double> act_err = activation_error_bound(p.type, p.x[c]);
  double exact = 0, exact_quantized = 0, act_bound = 0;
  for (int64_t i = 0; i < p.k; ++i) {
    exact += w.value[i] * p.x[c][i];
    exact_quantized += w.value[i] * a.value[i];
    act_bound += std::fabs(w.value[i]) * act_err[i];
  }
  const double arith = arithmetic_bound(p.type, w, a_row, p.k);
  CAPTURE(type_name(p.type), p.k, r, c, result, exact, exact_quantized, arith, act_bound);
  // Against the activations the kernel actually used: float rounding only.
  REQUIRE(std::fabs(result - exact_quantized) <= arith);
  // Against the original activations: plus their quantization error.
  REQUIRE(std::fabs(result - exact) <= arith + act_bound);
}

}  // namespace

TEST_CASE("vec_dot of every weight type matches the float64 reference", "[dot]") {
  for (const Case& tc : cases()) {
    const Problem p = make_problem(tc.type, tc.k, 3, 2, 100 + static_cast<uint32_t>(tc.k));
    for (int64_t r = 0; r < p.m; ++r) {
      for (int64_t c = 0; c < p.n; ++c) {
        const float result =
            vec_dot(p.type, p.w.data() + r * p.w_row, p.act.data() + c * p.a_row, p.k);
        check_result(p, r, c, result);
      }
    }
  }
}

TEST_CASE("matmul_rows of every weight type matches the float64 reference", "[dot]") {
  for (const Case& tc : cases()) {
    for (int64_t n : {1, 3, 16}) {
      const int64_t m = 7;
      const Problem p = make_problem(tc.type, tc.k, m, n, 500 + static_cast<uint32_t>(tc.k + n));
      std::vector<float> y(static_cast<size_t>(n * m), NAN);
      // Two threads' worth of rows, in two calls, into one y.
      matmul_rows(p.type, p.w.data(), p.k, 0, 3, p.act.data(), n, y.data(), m);
      matmul_rows(p.type, p.w.data(), p.k, 3, m, p.act.data(), n, y.data(), m);
      for (int64_t c = 0; c < n; ++c) {
        for (int64_t r = 0; r < m; ++r) {
          const float result = y[c * m + r];
          check_result(p, r, c, result);
          // Tiling columns never changes a column's arithmetic: same bits as vec_dot.
          REQUIRE(result ==
                  vec_dot(p.type, p.w.data() + r * p.w_row, p.act.data() + c * p.a_row, p.k));
        }
      }
    }
  }
}

TEST_CASE("matmul_rows writes only its rows", "[dot]") {
  const Problem p = make_problem(GgmlType::q4_k, 256, 6, 2, 9);
  std::vector<float> y(12, -7.0f);
  matmul_rows(p.type, p.w.data(), p.k, 2, 4, p.act.data(), 2, y.data(), 6);
  for (int64_t c = 0; c < 2; ++c) {
    for (int64_t r = 0; r < 6; ++r) {
      if (r >= 2 && r < 4) {
        REQUIRE(y[c * 6 + r] != -7.0f);
      } else {
        REQUIRE(y[c * 6 + r] == -7.0f);
      }
    }
  }
  REQUIRE_THROWS_AS(matmul_rows(p.type, p.w.data(), p.k, 4, 7, p.act.data(), 2, y.data(), 6),
                    std::invalid_argument);
}
