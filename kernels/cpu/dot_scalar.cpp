// Scalar dot products in ggml's generic manner: exact integer sums per block, scaled in
// float once per block (legacy types) or super-block (K types).
#include <cstring>
#include <stdexcept>

#include "kernels/cpu/blocks.hpp"
#include "kernels/cpu/fp16.hpp"
#include "kernels/cpu/quant.hpp"
#include "kernels/cpu/scalar_dot.hpp"

namespace sluice::kernels::scalar {
namespace {

// Float weights: products in float, summed in double (as ggml's generic F32 dot).
template <typename Load>
float dot_float(const void* w, const float* x, int64_t k, Load load) {
  double sum = 0;
  for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(load(w, i) * x[i]);
  return static_cast<float>(sum);
}

// Value j (0..31) of a Q4_0/Q4_1/Q5_0/Q5_1 block: low nibble for j < 16, high for j >= 16.
inline int nibble(const uint8_t* qs, int j) {
  return j < 16 ? qs[j] & 0xF : qs[j - 16] >> 4;
}
inline int fifth_bit(const uint8_t* qh, int j) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof(bits));
  return ((bits >> j) & 1u) << 4;
}

float dot_q4_0(const BlockQ4_0* x, const BlockQ8_0* y, int64_t nb) {
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += (nibble(x[i].qs, j) - 8) * y[i].qs[j];
    sumf += sumi * fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
  }
  return sumf;
}

float dot_q4_1(const BlockQ4_1* x, const BlockQ8_1* y, int64_t nb) {
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += nibble(x[i].qs, j) * y[i].qs[j];
    // The min times sum(activations), which Q8_1 carries as s = d * sum(qs).
    sumf += (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) * sumi +
            fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
  }
  return sumf;
}

float dot_q5_0(const BlockQ5_0* x, const BlockQ8_0* y, int64_t nb) {
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) {
      sumi += ((nibble(x[i].qs, j) | fifth_bit(x[i].qh, j)) - 16) * y[i].qs[j];
    }
    sumf += sumi * fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d);
  }
  return sumf;
}

float dot_q5_1(const BlockQ5_1* x, const BlockQ8_1* y, int64_t nb) {
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) {
      sumi += (nibble(x[i].qs, j) | fifth_bit(x[i].qh, j)) * y[i].qs[j];
    }
    sumf += (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d)) * sumi +
            fp16_to_fp32(x[i].m) * fp16_to_fp32(y[i].s);
  }
  return sumf;
}

float dot_q8_0(const BlockQ8_0* x, const BlockQ8_0* y, int64_t nb) {
  float sumf = 0;
  for (int64_t i = 0; i < nb; ++i) {
    int sumi = 0;
    for (int j = 0; j < kQK; ++j) sumi += x[i].qs[j] * y[i].qs[j];
    sumf += sumi * (fp16_to_fp32(x[i].d) * fp16_to_fp32(y[i].d));
  }
  return sumf;
}

// A K-type super-block as integers: value l = d * scale[g] * q[l] - dmin * min[g], where
// g = l / group (16 or 32 values per group).
struct KInts {
  int8_t q[kQKK];
  int scale[16];
  int min[16];
  int group;
  float d;
  float dmin;
};

void decode(const BlockQ2_K& b, KInts& out) {
  out.group = 16;
  out.d = fp16_to_fp32(b.d);
  out.dmin = fp16_to_fp32(b.dmin);
  for (int g = 0; g < 16; ++g) {
    out.scale[g] = b.scales[g] & 0xF;
    out.min[g] = b.scales[g] >> 4;
  }
  // Value 128*h + 32*s + l is bits 2s..2s+1 of qs[32*h + l].
  for (int l = 0; l < kQKK; ++l) {
    const int h = l / 128, s = (l % 128) / 32, j = l % 32;
    out.q[l] = static_cast<int8_t>((b.qs[32 * h + j] >> (2 * s)) & 3);
  }
}

void decode(const BlockQ3_K& b, KInts& out) {
  out.group = 16;
  out.d = fp16_to_fp32(b.d);
  out.dmin = 0;
  int8_t sc[16];
  q3k_scales(b.scales, sc);
  for (int g = 0; g < 16; ++g) {
    out.scale[g] = sc[g];
    out.min[g] = 0;
  }
  // As Q2_K for the low bits; the high bit of value l is bit l/32 of hmask[l % 32], and a
  // clear high bit means "minus 4".
  for (int l = 0; l < kQKK; ++l) {
    const int h = l / 128, s = (l % 128) / 32, j = l % 32;
    const int low = (b.qs[32 * h + j] >> (2 * s)) & 3;
    const bool high = (b.hmask[j] >> (l / 32)) & 1;
    out.q[l] = static_cast<int8_t>(low - (high ? 0 : 4));
  }
}

void decode_scales_mins(const uint8_t* packed, KInts& out) {
  for (int g = 0; g < 8; ++g) {
    uint8_t sc, m;
    k_scale_min(g, packed, sc, m);
    out.scale[g] = sc;
    out.min[g] = m;
  }
}

void decode(const BlockQ4_K& b, KInts& out) {
  out.group = 32;
  out.d = fp16_to_fp32(b.d);
  out.dmin = fp16_to_fp32(b.dmin);
  decode_scales_mins(b.scales, out);
  for (int l = 0; l < kQKK; ++l) {
    const int chunk = l / 64, j = l % 64;
    const uint8_t byte = b.qs[32 * chunk + j % 32];
    out.q[l] = static_cast<int8_t>(j < 32 ? byte & 0xF : byte >> 4);
  }
}

void decode(const BlockQ5_K& b, KInts& out) {
  out.group = 32;
  out.d = fp16_to_fp32(b.d);
  out.dmin = fp16_to_fp32(b.dmin);
  decode_scales_mins(b.scales, out);
  // The fifth bit of value l is bit l/32 of qh[l % 32].
  for (int l = 0; l < kQKK; ++l) {
    const int chunk = l / 64, j = l % 64;
    const uint8_t byte = b.qs[32 * chunk + j % 32];
    const int low = j < 32 ? byte & 0xF : byte >> 4;
    const int high = (b.qh[l % 32] >> (l / 32)) & 1;
    out.q[l] = static_cast<int8_t>(low | (high << 4));
  }
}

void decode(const BlockQ6_K& b, KInts& out) {
  out.group = 16;
  out.d = fp16_to_fp32(b.d);
  out.dmin = 0;
  for (int g = 0; g < 16; ++g) {
    out.scale[g] = b.scales[g];
    out.min[g] = 0;
  }
  // Within each half of 128: value 32*s + l takes its low nibble from ql[l + 32*(s&1)]
  // (low nibble for s < 2, high for s >= 2) and its top two bits from qh[l] >> 2s.
  for (int h = 0; h < 2; ++h) {
    const uint8_t* ql = b.ql + 64 * h;
    const uint8_t* qh = b.qh + 32 * h;
    for (int s = 0; s < 4; ++s) {
      for (int l = 0; l < 32; ++l) {
        const uint8_t byte = ql[l + 32 * (s & 1)];
        const int low = s < 2 ? byte & 0xF : byte >> 4;
        const int high = (qh[l] >> (2 * s)) & 3;
        out.q[128 * h + 32 * s + l] = static_cast<int8_t>((low | (high << 4)) - 32);
      }
    }
  }
}

template <typename Block>
float dot_k(const Block* x, const BlockQ8_K* y, int64_t nb) {
  float sumf = 0;
  KInts ints;
  for (int64_t i = 0; i < nb; ++i) {
    decode(x[i], ints);
    int sumi = 0, sumi_mins = 0;
    for (int g = 0; g < kQKK / ints.group; ++g) {
      int sum_qa = 0;
      for (int l = g * ints.group; l < (g + 1) * ints.group; ++l) sum_qa += ints.q[l] * y[i].qs[l];
      sumi += ints.scale[g] * sum_qa;
      if (ints.min[g] != 0) {
        // Sum of the group's activations from the 16-value partial sums.
        int sum_a = 0;
        for (int s = g * ints.group / 16; s < (g + 1) * ints.group / 16; ++s)
          sum_a += y[i].bsums[s];
        sumi_mins += ints.min[g] * sum_a;
      }
    }
    sumf += ints.d * y[i].d * sumi - ints.dmin * y[i].d * sumi_mins;
  }
  return sumf;
}

}  // namespace

float vec_dot(GgmlType type, const void* w, const void* act, int64_t k) {
  const auto* x = static_cast<const float*>(act);
  const int64_t nb = k / block_elements(type);
  switch (type) {
    case GgmlType::f32:
      return dot_float(w, x, k,
                       [](const void* p, int64_t i) { return static_cast<const float*>(p)[i]; });
    case GgmlType::f16:
      return dot_float(w, x, k, [](const void* p, int64_t i) {
        return fp16_to_fp32(static_cast<const uint16_t*>(p)[i]);
      });
    case GgmlType::bf16:
      return dot_float(w, x, k, [](const void* p, int64_t i) {
        return bf16_to_fp32(static_cast<const uint16_t*>(p)[i]);
      });
    case GgmlType::q4_0:
      return dot_q4_0(static_cast<const BlockQ4_0*>(w), static_cast<const BlockQ8_0*>(act), nb);
    case GgmlType::q4_1:
      return dot_q4_1(static_cast<const BlockQ4_1*>(w), static_cast<const BlockQ8_1*>(act), nb);
    case GgmlType::q5_0:
      return dot_q5_0(static_cast<const BlockQ5_0*>(w), static_cast<const BlockQ8_0*>(act), nb);
    case GgmlType::q5_1:
      return dot_q5_1(static_cast<const BlockQ5_1*>(w), static_cast<const BlockQ8_1*>(act), nb);
    case GgmlType::q8_0:
      return dot_q8_0(static_cast<const BlockQ8_0*>(w), static_cast<const BlockQ8_0*>(act), nb);
    case GgmlType::q2_k:
      return dot_k(static_cast<const BlockQ2_K*>(w), static_cast<const BlockQ8_K*>(act), nb);
    case GgmlType::q3_k:
      return dot_k(static_cast<const BlockQ3_K*>(w), static_cast<const BlockQ8_K*>(act), nb);
    case GgmlType::q4_k:
      return dot_k(static_cast<const BlockQ4_K*>(w), static_cast<const BlockQ8_K*>(act), nb);
    case GgmlType::q5_k:
      return dot_k(static_cast<const BlockQ5_K*>(w), static_cast<const BlockQ8_K*>(act), nb);
    case GgmlType::q6_k:
      return dot_k(static_cast<const BlockQ6_K*>(w), static_cast<const BlockQ8_K*>(act), nb);
    case GgmlType::q8_1:
    case GgmlType::q8_k: break;
  }
  throw std::invalid_argument("vec_dot: no dot product for weights of this type");
}

void matmul_rows(GgmlType type, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                 const void* act, int64_t n, float* y, int64_t m) {
  const size_t w_row = row_bytes(type, k);
  const size_t a_row = activation_row_bytes(type, k);
  const auto* wb = static_cast<const uint8_t*>(w);
  const auto* ab = static_cast<const uint8_t*>(act);
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t c = 0; c < n; ++c) {
      y[c * m + r] = scalar::vec_dot(type, wb + r * w_row, ab + c * a_row, k);
    }
  }
}

}  // namespace sluice::kernels::scalar
