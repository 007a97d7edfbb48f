// The CPU backend's attention and element-wise kernels (kernels/cpu/attention.hpp): an
// F32 cache against a float64 softmax, an F16 cache against a scalar model of the same
// online algorithm (llama.cpp's numerics: q and the running V sum rounded to F16), and
// silu * up and the F16 store against their scalar definitions.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernel_test_util.hpp"
#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/fp16.hpp"

using namespace sluice::kernels;
using namespace sluice::kernels::test;

namespace {

struct Cache {
  std::vector<std::vector<uint8_t>> k, v;  // one row (all heads) per position
  std::vector<const uint8_t*> k_rows, v_rows;
};

Cache make_cache(KvElem elem, int64_t n_kv, int64_t width, uint32_t seed) {
  Cache c;
  for (int64_t p = 0; p < n_kv; ++p) {
    const auto kf = random_floats(width, seed + static_cast<uint32_t>(2 * p));
    const auto vf = random_floats(width, seed + static_cast<uint32_t>(2 * p + 1));
    for (const auto* src : {&kf, &vf}) {
      std::vector<uint8_t> row(static_cast<size_t>(width) * (elem == KvElem::f16 ? 2 : 4));
      if (elem == KvElem::f16) {
        store_f16(src->data(), reinterpret_cast<uint16_t*>(row.data()), width);
      } else {
        std::memcpy(row.data(), src->data(), row.size());
      }
      (src == &kf ? c.k : c.v).push_back(std::move(row));
    }
  }
  for (int64_t p = 0; p < n_kv; ++p) {
    c.k_rows.push_back(c.k[static_cast<size_t>(p)].data());
    c.v_rows.push_back(c.v[static_cast<size_t>(p)].data());
  }
  return c;
}

float element(KvElem elem, const uint8_t* row, int64_t i) {
  if (elem == KvElem::f16) return fp16_to_fp32(reinterpret_cast<const uint16_t*>(row)[i]);
  return reinterpret_cast<const float*>(row)[i];
}

}  // namespace

TEST_CASE("attend_row with an F32 cache is softmax attention", "[attention]") {
  for (int64_t hd : {8, 64, 72, 128}) {
    for (int64_t n_kv : {1, 7, 100}) {
      const int64_t heads = 2;
      const Cache c = make_cache(KvElem::f32, n_kv, hd * heads, 7);
      const auto q = random_floats(hd, 3);
      const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
      for (int64_t h = 0; h < heads; ++h) {
        std::vector<float> out(static_cast<size_t>(hd));
        attend_row(KvElem::f32, q.data(), c.k_rows.data(), c.v_rows.data(),
                   static_cast<size_t>(h * hd) * 4, n_kv, hd, scale, 0.0f, out.data());
        std::vector<double> s(static_cast<size_t>(n_kv));
        double max_s = -INFINITY, sum = 0;
        for (int64_t p = 0; p < n_kv; ++p) {
          double dot = 0;
          for (int64_t i = 0; i < hd; ++i)
            dot += double{q[i]} * element(KvElem::f32, c.k_rows[p], h * hd + i);
          s[p] = dot * scale;
          max_s = std::max(max_s, s[p]);
        }
        for (auto& x : s) sum += (x = std::exp(x - max_s));
        for (int64_t i = 0; i < hd; ++i) {
          double expected = 0;
          for (int64_t p = 0; p < n_kv; ++p)
            expected += s[p] / sum * element(KvElem::f32, c.v_rows[p], h * hd + i);
          // Values are O(1); float rounding of the scores and sums stays far below 1e-5.
          REQUIRE(std::fabs(out[i] - expected) <= 1e-5);
        }
      }
    }
  }
}

TEST_CASE("attend_row with an F16 cache follows the F16 online softmax", "[attention]") {
  const int64_t hd = 64;
  for (int64_t n_kv : {1, 5, 200}) {
    const Cache c = make_cache(KvElem::f16, n_kv, hd, 11);
    const auto q = random_floats(hd, 5);
    const float scale = 0.125f;
    std::vector<float> out(static_cast<size_t>(hd));
    attend_row(KvElem::f16, q.data(), c.k_rows.data(), c.v_rows.data(), 0, n_kv, hd, scale, 0.0f,
               out.data());
    // The scalar model: q rounded to F16, V sum rounded to F16 after every update.
    auto r16 = [](float x) { return fp16_to_fp32(fp32_to_fp16(x)); };
    std::vector<float> acc(static_cast<size_t>(hd), 0.0f);
    float max_s = -INFINITY, sum = 0;
    for (int64_t p = 0; p < n_kv; ++p) {
      float dot = 0;
      for (int64_t i = 0; i < hd; ++i) dot += r16(q[i]) * element(KvElem::f16, c.k_rows[p], i);
      const float s = dot * scale;
      float w = 1.0f;
      if (s > max_s) {
        const float old = std::exp(max_s - s);
        max_s = s;
        for (auto& a : acc) a = r16(a * old);
        sum *= old;
      } else {
        w = std::exp(s - max_s);
      }
      for (int64_t i = 0; i < hd; ++i)
        acc[i] = r16(acc[i] + element(KvElem::f16, c.v_rows[p], i) * w);
      sum += w;
    }
    for (int64_t i = 0; i < hd; ++i) {
      // Fused vs separate multiply-adds and the dot's summation order may move an F16
      // rounding by one step (2^-11 relative) at some positions; allow a few per row.
      REQUIRE(std::fabs(out[i] - acc[i] / sum) <=
              8 * std::ldexp(1.0, -11) * (std::fabs(acc[i] / sum) + 0.05));
    }
  }
}

TEST_CASE("attend_row refuses head dims it cannot hold", "[attention]") {
  std::vector<float> q(1024), out(1024);
  const uint8_t* row = nullptr;
  REQUIRE_THROWS_AS(attend_row(KvElem::f32, q.data(), &row, &row, 0, 1, kMaxAttentionHeadDim + 1,
                               1.0f, 0.0f, out.data()),
                    std::invalid_argument);
}

TEST_CASE("silu_mul and store_f16 match their scalar definitions", "[attention]") {
  const int64_t n = 1001;  // a tail after the vectors
  auto gate = random_floats(n, 21, 4.0f);
  gate[0] = -120.0f;  // exp(-gate) overflows: silu is -0
  gate[1] = 90.0f;
  const auto up = random_floats(n, 22);
  std::vector<float> out(static_cast<size_t>(n));
  silu_mul(gate.data(), up.data(), out.data(), n);
  for (int64_t i = 0; i < n; ++i) {
    const double expected = gate[i] / (1.0 + std::exp(-double{gate[i]})) * up[i];
    REQUIRE(std::fabs(out[i] - expected) <= 8 * std::ldexp(1.0, -24) * std::fabs(expected) + 1e-30);
  }
  std::vector<uint16_t> h(static_cast<size_t>(n));
  store_f16(gate.data(), h.data(), n);
  for (int64_t i = 0; i < n; ++i) REQUIRE(h[i] == fp32_to_fp16(gate[i]));
}
