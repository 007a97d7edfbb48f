#include "kernel_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>

#include "kernels/cpu/fp16.hpp"

namespace sluice::kernels::test {
namespace {

constexpr double kU = 0x1p-24;  // unit roundoff of float

uint16_t u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
double half(const uint8_t* p) {
  return fp16_to_fp32(u16(p));
}

// Appends one value with its envelope, level step and representable range [lo, hi]
// given as two level values in either order.
void push(Decoded& out, double value, double envelope, double step, double end_a, double end_b) {
  out.value.push_back(value);
  out.envelope.push_back(envelope);
  out.step.push_back(std::fabs(step));
  out.lo.push_back(std::min(end_a, end_b));
  out.hi.push_back(std::max(end_a, end_b));
}

// Byte layouts as in ggml-common.h, read by offset rather than through the library's
// structs so that a layout slip there shows up here.
void decode_block(GgmlType type, const uint8_t* b, Decoded& out) {
  switch (type) {
    case GgmlType::q4_0:
    case GgmlType::q5_0: {
      const bool five = type == GgmlType::q5_0;
      const double d = half(b);
      uint32_t qh = 0;
      if (five) std::memcpy(&qh, b + 2, 4);
      const uint8_t* qs = b + (five ? 6 : 2);
      const int offset = five ? 16 : 8;
      for (int j = 0; j < 32; ++j) {
        int q = j < 16 ? qs[j] & 0xF : qs[j - 16] >> 4;
        if (five) q |= static_cast<int>((qh >> j) & 1u) << 4;
        const double v = (q - offset) * d;
        push(out, v, std::fabs(v), d, -offset * d, (offset - 1) * d);
      }
      return;
    }
    case GgmlType::q4_1:
    case GgmlType::q5_1: {
      const bool five = type == GgmlType::q5_1;
      const double d = half(b), m = half(b + 2);
      uint32_t qh = 0;
      if (five) std::memcpy(&qh, b + 4, 4);
      const uint8_t* qs = b + (five ? 8 : 4);
      const int top = five ? 31 : 15;
      for (int j = 0; j < 32; ++j) {
        int q = j < 16 ? qs[j] & 0xF : qs[j - 16] >> 4;
        if (five) q |= static_cast<int>((qh >> j) & 1u) << 4;
        push(out, q * d + m, std::fabs(q * d) + std::fabs(m), d, m, top * d + m);
      }
      return;
    }
    case GgmlType::q8_0:
    case GgmlType::q8_1: {
      const double d = half(b);
      const auto* qs = reinterpret_cast<const int8_t*>(b + (type == GgmlType::q8_0 ? 2 : 4));
      for (int j = 0; j < 32; ++j) push(out, qs[j] * d, std::fabs(qs[j] * d), d, -128 * d, 127 * d);
      return;
    }
    case GgmlType::q8_k: {
      float df;
      std::memcpy(&df, b, 4);
      const double d = df;
      const auto* qs = reinterpret_cast<const int8_t*>(b + 4);
      for (int j = 0; j < 256; ++j)
        push(out, qs[j] * d, std::fabs(qs[j] * d), d, -128 * d, 127 * d);
      return;
    }
    case GgmlType::q2_k: {
      const uint8_t* scales = b;
      const uint8_t* qs = b + 16;
      const double d = half(b + 80), dmin = half(b + 82);
      for (int l = 0; l < 256; ++l) {
        const int h = l / 128, s = (l % 128) / 32, j = l % 32;
        const int q = (qs[32 * h + j] >> (2 * s)) & 3;
        const double dl = d * (scales[l / 16] & 0xF), ml = dmin * (scales[l / 16] >> 4);
        push(out, dl * q - ml, std::fabs(dl * q) + std::fabs(ml), dl, -ml, 3 * dl - ml);
      }
      return;
    }
    case GgmlType::q3_k: {
      const uint8_t* hmask = b;
      const uint8_t* qs = b + 32;
      const uint8_t* sc = b + 96;
      const double d = half(b + 108);
      for (int l = 0; l < 256; ++l) {
        const int g = l / 16;
        const int low4 = g < 8 ? sc[g] & 0xF : sc[g - 8] >> 4;
        const int high2 = (sc[8 + g % 4] >> (2 * (g / 4))) & 3;
        const double dl = d * ((low4 | (high2 << 4)) - 32);
        const int h = l / 128, s = (l % 128) / 32, j = l % 32;
        const int q = ((qs[32 * h + j] >> (2 * s)) & 3) - (((hmask[j] >> (l / 32)) & 1) ? 0 : 4);
        push(out, dl * q, std::fabs(dl * q), dl, -4 * dl, 3 * dl);
      }
      return;
    }
    case GgmlType::q4_k:
    case GgmlType::q5_k: {
      const bool five = type == GgmlType::q5_k;
      const double d = half(b), dmin = half(b + 2);
      const uint8_t* sc = b + 4;
      const uint8_t* qh = b + 16;
      const uint8_t* qs = b + (five ? 48 : 16);
      const int top = five ? 31 : 15;
      for (int l = 0; l < 256; ++l) {
        const int sub = l / 32;
        int scale, min;
        if (sub < 4) {
          scale = sc[sub] & 63;
          min = sc[sub + 4] & 63;
        } else {
          scale = (sc[sub + 4] & 0xF) | ((sc[sub - 4] >> 6) << 4);
          min = (sc[sub + 4] >> 4) | ((sc[sub] >> 6) << 4);
        }
        const int chunk = l / 64, j = l % 64;
        const uint8_t byte = qs[32 * chunk + j % 32];
        int q = j < 32 ? byte & 0xF : byte >> 4;
        if (five) q |= ((qh[l % 32] >> (l / 32)) & 1) << 4;
        const double dl = d * scale, ml = dmin * min;
        push(out, dl * q - ml, std::fabs(dl * q) + std::fabs(ml), dl, -ml, top * dl - ml);
      }
      return;
    }
    case GgmlType::q6_k: {
      const uint8_t* ql = b;
      const uint8_t* qh = b + 128;
      const auto* sc = reinterpret_cast<const int8_t*>(b + 192);
      const double d = half(b + 208);
      for (int l = 0; l < 256; ++l) {
        const int h = l / 128, r = l % 128, s = r / 32, j = r % 32;
        const uint8_t byte = ql[64 * h + j + 32 * (s & 1)];
        const int low = s < 2 ? byte & 0xF : byte >> 4;
        const int high = (qh[32 * h + j] >> (2 * s)) & 3;
        const double dl = d * sc[l / 16];
        const int q = (low | (high << 4)) - 32;
        push(out, dl * q, std::fabs(dl * q), dl, -32 * dl, 31 * dl);
      }
      return;
    }
    default: throw std::logic_error("decode_block: not a block type");
  }
}

}  // namespace

std::vector<float> random_floats(int64_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 99);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) {
    v = normal(rng) * scale;
    if (pick(rng) == 0) v *= 6.0f;  // about 1% outliers
  }
  return x;
}

std::vector<uint8_t> quantize(GgmlType type, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  std::vector<uint8_t> out(row_bytes(type, n));
  quantize_row_ref(type, x.data(), out.data(), n);
  return out;
}

Decoded decode_exact(GgmlType type, const void* row, int64_t n) {
  Decoded out;
  const auto* bytes = static_cast<const uint8_t*>(row);
  if (type == GgmlType::f32 || type == GgmlType::f16 || type == GgmlType::bf16) {
    for (int64_t i = 0; i < n; ++i) {
      double v;
      if (type == GgmlType::f32) {
        float f;
        std::memcpy(&f, bytes + 4 * i, 4);
        v = f;
      } else {
        const uint16_t h = u16(bytes + 2 * i);
        v = type == GgmlType::f16 ? fp16_to_fp32(h) : bf16_to_fp32(h);
      }
      push(out, v, std::fabs(v), 0, v, v);
    }
    return out;
  }
  const TypeLayout& layout = type_layout(type);
  for (int64_t b = 0; b < n / layout.block_elements; ++b) {
    decode_block(type, bytes + b * layout.block_bytes, out);
  }
  return out;
}

const std::vector<GgmlType>& weight_types() {
  static const std::vector<GgmlType> types = {
      GgmlType::f32,  GgmlType::f16,  GgmlType::bf16, GgmlType::q4_0, GgmlType::q4_1,
      GgmlType::q5_0, GgmlType::q5_1, GgmlType::q8_0, GgmlType::q2_k, GgmlType::q3_k,
      GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k};
  return types;
}

bool is_quantized(GgmlType type) {
  return type != GgmlType::f32 && type != GgmlType::f16 && type != GgmlType::bf16;
}

// Q8_0 / Q8_1 (32 values, d = amax/127 rounded to float, stored as fp16, values
// q = round(x * (1/d))): |x - q*d16| <= |x - q*d| + |q|*|d - d16|
//   <= d*(1/2 + 2*127u) + 127 * 2^-11 * d      (fp16 keeps 11 significant bits)
// Q8_K (256 values, d = 1/(-127/max) in float, q = nearest(x * iscale)):
//   |x - q*d| <= |d| * (1/2 + 2*127u),  |d| <= amax/127 * (1 + 2u).
// The u terms cover the float rounding of d, 1/d and x * (1/d); 300u > 254u.
std::vector<double> activation_error_bound(GgmlType weight_type, const std::vector<float>& x) {
  const GgmlType act = vec_dot_type(weight_type);
  std::vector<double> bound(x.size(), 0.0);
  if (act == GgmlType::f32) return bound;
  const size_t block = act == GgmlType::q8_k ? 256 : 32;
  for (size_t b0 = 0; b0 < x.size(); b0 += block) {
    double amax = 0;
    for (size_t i = b0; i < b0 + block; ++i) amax = std::max(amax, std::fabs(double{x[i]}));
    const double d = amax / 127 * (1 + 2 * kU);
    const double per_value =
        act == GgmlType::q8_k ? d * (0.5 + 300 * kU) : d * (0.5 + 300 * kU + 127 * 0x1p-11);
    for (size_t i = b0; i < b0 + block; ++i) bound[i] = per_value;
  }
  return bound;
}

// The kernels compute exact integer dot products per block and combine them in float:
// each block term S_b * I_b (S_b = d_w * d_a) takes at most 3 roundings (S_b, I_b to
// float when |I_b| >= 2^24, the multiply-add), and summing T terms into float
// accumulators (the K types with a min add two per super-block, SIMD adds up to 16 lane
// partial sums) costs at most (T - 1)u of the sum of magnitudes. With
// sum_b |S_b I_b| <= sum_i envelope_i * |a_i| that gives
//   (2 * blocks + 16 + 3) * u * sum_i envelope_i * |a_i|.
// Float weights are the same with one "block" per value.
// Q4_1/Q5_1 also use Q8_1's s = fp16(d * sum(q)) for sum(a) = d16 * sum(q) in the min
// term: add sum_b |min_b| * |s_b - d16_b * sum_b(q)|, with |min_b| <= the block's largest
// envelope.
double arithmetic_bound(GgmlType weight_type, const Decoded& w, const void* act_row, int64_t k) {
  const GgmlType act_type = vec_dot_type(weight_type);
  const Decoded a = decode_exact(act_type, act_row, k);
  const int64_t blocks = k / block_elements(weight_type);
  double magnitude = 0;
  for (size_t i = 0; i < w.value.size(); ++i) magnitude += w.envelope[i] * std::fabs(a.value[i]);
  double bound = (2.0 * static_cast<double>(blocks) + 19) * kU * magnitude;
  if (act_type == GgmlType::q8_1) {
    const auto* bytes = static_cast<const uint8_t*>(act_row);
    for (int64_t b = 0; b < k / 32; ++b) {
      const uint8_t* block = bytes + b * 36;
      int sum_q = 0;
      for (int j = 0; j < 32; ++j) sum_q += static_cast<int8_t>(block[4 + j]);
      double min_bound = 0;
      for (int64_t i = 32 * b; i < 32 * b + 32; ++i) min_bound = std::max(min_bound, w.envelope[i]);
      bound += min_bound * std::fabs(half(block + 2) - half(block) * sum_q);
    }
  }
  return bound;
}

namespace {

// Levels of the 32-value types are chosen with the float scale d but decoded with its
// fp16 rounding d16, |d - d16| <= 2^-11 |d|: a value at level q moves by up to
// |q| * 2^-11 * d, and half a step of d exceeds half a step of d16 by up to 2^-12 d16.
// In steps of d16: (|q|max + 1) * 2^-11. The K types and Q8_K choose levels with the
// scales they store.
double legacy_level_drift(GgmlType type) {
  switch (type) {
    case GgmlType::q4_0: return 9 * 0x1p-11;
    case GgmlType::q5_0: return 17 * 0x1p-11;
    case GgmlType::q4_1: return 16 * 0x1p-11;
    case GgmlType::q5_1: return 32 * 0x1p-11;
    case GgmlType::q8_0:
    case GgmlType::q8_1: return 128 * 0x1p-11;
    default: return 0;
  }
}
}  // namespace

double nearest_level_bound(GgmlType type, const Decoded& q, size_t i, double x) {
  const double outside = std::max({0.0, q.lo[i] - x, x - q.hi[i]});
  double bound = q.step[i] / 2 + outside + q.step[i] * (legacy_level_drift(type) + 300 * kU) +
                 4 * kU * (std::fabs(x) + q.envelope[i]);
  if (type == GgmlType::q4_1 || type == GgmlType::q5_1) {
    // Levels are chosen from the float min, decoded from its fp16 rounding m16 (the
    // bottom of the range: d >= 0): a shift of up to 2^-11 |min|.
    bound += 0x1p-11 * (1 + 0x1p-11) * std::fabs(q.lo[i]);
  }
  return bound;
}

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("SLUICE_SHARED"); env && *env) return env;
  return std::filesystem::path(SLUICE_SOURCE_DIR).parent_path() / "shared";
}

}  // namespace sluice::kernels::test
