// Reference quantizers and dequantization: determinism, exact round trips, and the
// error of quantize -> dequantize against bounds derived per type.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/quant.hpp"

using namespace sluice::kernels;
using namespace sluice::kernels::test;

namespace {

constexpr double kU = 0x1p-24;      // float unit roundoff
constexpr double kHalfU = 0x1p-11;  // fp16 unit roundoff (11 significant bits)

const std::vector<GgmlType> kQuantTypes = {
    GgmlType::q4_0, GgmlType::q4_1, GgmlType::q5_0, GgmlType::q5_1, GgmlType::q8_0, GgmlType::q8_1,
    GgmlType::q2_k, GgmlType::q3_k, GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k, GgmlType::q8_k};

// A priori per-value bound for the 32-value types and Q8_K from the block's data alone.
//   Q8_0/Q8_1: d = amax/127, nearest level, then fp16 drift: d * (1/2 + 127 * 2^-11)
//   Q4_0: d = amax/8 at level -8; x*(1/d) in [-8, 8] but levels stop at +7, so up to one
//         full step at the top: d * (1 + 8 * 2^-11). Q5_0 likewise with 16.
//   Q4_1: d = (max - min)/15, min exact up to fp16: d * (1/2 + 15 * 2^-11) + |min| * 2^-11.
//   Q5_1 likewise with 31. Q8_K: d = amax/127 in float, nearest level: d / 2.
// Each plus float rounding (300u of a step, and 4u of the magnitudes involved).
double a_priori_bound(GgmlType type, const float* block, int n, float x) {
  double amax = 0, min = block[0], max = block[0];
  for (int i = 0; i < n; ++i) {
    amax = std::max(amax, std::fabs(double{block[i]}));
    min = std::min(min, double{block[i]});
    max = std::max(max, double{block[i]});
  }
  const double slack_mag = 4 * kU * (std::fabs(double{x}) + amax);
  switch (type) {
    case GgmlType::q8_0:
    case GgmlType::q8_1: return amax / 127 * (0.5 + 127 * kHalfU + 300 * kU) + slack_mag;
    case GgmlType::q8_k: return amax / 127 * (0.5 + 300 * kU) + slack_mag;
    case GgmlType::q4_0: return amax / 8 * (1 + 8 * kHalfU + 300 * kU) + slack_mag;
    case GgmlType::q5_0: return amax / 16 * (1 + 16 * kHalfU + 300 * kU) + slack_mag;
    case GgmlType::q4_1:
    case GgmlType::q5_1: {
      const int top = type == GgmlType::q4_1 ? 15 : 31;
      const double d = (max - min) / top;
      return d * (0.5 + top * kHalfU + 300 * kU) + std::fabs(min) * kHalfU + slack_mag;
    }
    default: return -1;  // no a priori bound: the K types search their scales
  }
}

}  // namespace

TEST_CASE("reference quantizers are deterministic", "[quantize]") {
  const auto x = random_floats(2048, 11);
  for (GgmlType type : kQuantTypes) {
    CAPTURE(type_name(type));
    const auto first = quantize(type, x);
    const std::vector<float> copy = x;  // another buffer, same values
    REQUIRE(quantize(type, copy) == first);
    // Blocks are independent: quantizing a row in two halves gives the same bytes.
    const int64_t half = 1024;
    std::vector<uint8_t> halves(first.size());
    quantize_row_ref(type, x.data(), halves.data(), half);
    quantize_row_ref(type, x.data() + half, halves.data() + row_bytes(type, half), half);
    REQUIRE(halves == first);
  }
}

TEST_CASE("quantize then dequantize stays within each type's bound", "[quantize]") {
  for (GgmlType type : kQuantTypes) {
    CAPTURE(type_name(type));
    const int64_t n = 8192;
    const auto x = random_floats(n, 21 + static_cast<uint32_t>(type));
    const auto q = quantize(type, x);
    std::vector<float> deq(static_cast<size_t>(n));
    dequantize_row(type, q.data(), deq.data(), n);
    const Decoded exact = decode_exact(type, q.data(), n);
    const int block = static_cast<int>(block_elements(type));
    double err2 = 0, x2 = 0, step2 = 0;
    for (int64_t i = 0; i < n; ++i) {
      CAPTURE(i);
      // The library's float dequantization is the exact value up to two roundings.
      REQUIRE(std::fabs(deq[i] - exact.value[i]) <= 2 * kU * exact.envelope[i]);
      // Each value sits on the nearest level its block can represent, or at the end of
      // the block's range when it lies outside.
      const double err = std::fabs(x[i] - exact.value[i]);
      REQUIRE(err <= nearest_level_bound(type, exact, static_cast<size_t>(i), x[i]));
      const float* block_start = x.data() + (i / block) * block;
      const double a_priori = a_priori_bound(type, block_start, block, x[i]);
      if (a_priori >= 0) REQUIRE(err <= a_priori);
      err2 += err * err;
      x2 += double{x[i]} * x[i];
      step2 += exact.step[i] * exact.step[i];
    }
    // Overall, errors look like uniform rounding noise of the chosen steps: RMS near
    // step/sqrt(12) (measured 0.89 to 1.01 times that over all types on these data; the
    // K types' scale search lands below 1). 1.25x is the margin; a mis-packed level or a
    // wrong scale would be far beyond it.
    const double rms_err = std::sqrt(err2 / n);
    const double rms_noise = std::sqrt(step2 / n / 12);
    INFO("relative RMS error " << rms_err / std::sqrt(x2 / n) << ", noise model "
                               << rms_noise / std::sqrt(x2 / n));
    REQUIRE(rms_err <= 1.25 * rms_noise);
  }
}

TEST_CASE("F16 and BF16 conversion errors are half an ulp", "[quantize]") {
  const auto x = random_floats(4096, 5);
  for (auto [type, rel] : {std::pair{GgmlType::f16, kHalfU}, std::pair{GgmlType::bf16, 0x1p-8}}) {
    const auto q = quantize(type, x);
    std::vector<float> back(x.size());
    dequantize_row(type, q.data(), back.data(), static_cast<int64_t>(x.size()));
    for (size_t i = 0; i < x.size(); ++i) {
      REQUIRE(std::fabs(back[i] - x[i]) <= rel * std::fabs(x[i]));
    }
  }
}

TEST_CASE("Q8_0 and Q4_0 round trips are exact", "[quantize]") {
  // Dequantized values requantize to the same bytes: the largest value lands exactly on
  // the end level again (127 * d16 / 127 == d16), so the scale and every level repeat.
  for (GgmlType type : {GgmlType::q8_0, GgmlType::q4_0}) {
    CAPTURE(type_name(type));
    const auto x = random_floats(4096, 3);
    const auto q = quantize(type, x);
    std::vector<float> back(x.size());
    dequantize_row(type, q.data(), back.data(), static_cast<int64_t>(x.size()));
    REQUIRE(quantize(type, back) == q);
  }
}

TEST_CASE("all-zero blocks quantize to zero", "[quantize]") {
  const std::vector<float> zeros(512, 0.0f);
  for (GgmlType type : kQuantTypes) {
    CAPTURE(type_name(type));
    const auto q = quantize(type, zeros);
    std::vector<float> back(zeros.size(), 1.0f);
    dequantize_row(type, q.data(), back.data(), 512);
    for (float v : back) REQUIRE(v == 0.0f);
  }
}

TEST_CASE("bad types and lengths are refused", "[quantize]") {
  std::vector<float> x(64, 1.0f);
  std::vector<uint8_t> out(1024);
  REQUIRE_THROWS_AS(row_bytes(static_cast<GgmlType>(99), 32), std::invalid_argument);
  REQUIRE_THROWS_AS(row_bytes(GgmlType::q4_k, 128), std::invalid_argument);
  REQUIRE_THROWS_AS(quantize_row_ref(GgmlType::q4_0, x.data(), out.data(), 33),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(dequantize_row(static_cast<GgmlType>(20), out.data(), x.data(), 32),
                    std::invalid_argument);
  REQUIRE_THROWS_AS(vec_dot_type(GgmlType::q8_k), std::invalid_argument);
  REQUIRE_THROWS_AS(vec_dot(GgmlType::q8_1, out.data(), out.data(), 32), std::invalid_argument);
  REQUIRE(row_bytes(GgmlType::q4_k, 512) == 288);
  REQUIRE(activation_row_bytes(GgmlType::q4_k, 512) == 2 * 292);
  REQUIRE(activation_row_bytes(GgmlType::f16, 10) == 40);
  REQUIRE(std::string(type_name(GgmlType::q6_k)) == "Q6_K");
}
