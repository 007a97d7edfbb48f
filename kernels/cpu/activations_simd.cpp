// SIMD quantizers for the activations of quantized dot products (Q8_0, Q8_1, Q8_K), one
// source compiled per Highway target (foreach_target re-includes this file) and chosen
// at run time. For finite inputs each gives the bits of its scalar form
// (quantize_q8_0/1_activations_ref, quantize_q8_k_ref): the same products, the same
// maximum, and rounding to nearest even as nearbyint and ggml's nearest_int do (cvtps2dq
// on x86). The scalar forms called nearbyintf through the PLT for every value: 2.3% of
// 135m Q8_0 decoding, which runs them on one thread while the others wait.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "kernels/cpu/blocks.hpp"
#include "kernels/cpu/fp16.hpp"
#include "kernels/cpu/ref_quantizers.hpp"
#include "kernels/cpu/simd.hpp"

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/activations_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace sluice::kernels::activations_simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// At most 8 floats: 32- and 16-value groups are whole vectors on every target.
using DF = hn::CappedTag<float, 8>;
using DI = hn::RebindToSigned<DF>;
using D8 = hn::Rebind<int8_t, DF>;
using VF = hn::Vec<DF>;
using VI = hn::Vec<DI>;

HWY_INLINE float MaxAbs(const float* x, size_t n) {
  const DF df;
  VF m = hn::Zero(df);
  for (size_t i = 0; i < n; i += hn::Lanes(df)) m = hn::Max(m, hn::Abs(hn::LoadU(df, x + i)));
  return hn::GetLane(hn::MaxOfLanes(df, m));
}

// Rounds x[i] * scale to the nearest integer (ties to even), stores them as int8, and
// returns their sum. `limit` caps the rounded values from above (Q8_K's min(127, .)).
HWY_INLINE int32_t RoundStore(const float* x, size_t n, float scale, int32_t limit, int8_t* q) {
  const DF df;
  const DI di;
  const D8 d8;
  const VF s = hn::Set(df, scale);
  const VI cap = hn::Set(di, limit);
  VI sum = hn::Zero(di);
  for (size_t i = 0; i < n; i += hn::Lanes(df)) {
    const VI r = hn::Min(hn::NearestInt(hn::Mul(hn::LoadU(df, x + i), s)), cap);
    hn::StoreU(hn::DemoteTo(d8, r), d8, q + i);
    sum = hn::Add(sum, r);
  }
  return hn::GetLane(hn::SumOfLanes(di, sum));
}

// Q8_0 (with_sum false) or Q8_1 blocks of 32 values: d = amax / 127, q = round(x * 127 /
// amax), Q8_1's s = d * sum(q).
void QuantizeQ8(const float* x, void* out, int64_t k, bool with_sum) {
  for (int64_t b = 0; b < k / kQK; ++b, x += kQK) {
    const float amax = MaxAbs(x, kQK);
    const float d = amax / 127.0f;
    const float id = detail::q8_activation_inverse_scale(amax);
    if (with_sum) {
      BlockQ8_1& y = static_cast<BlockQ8_1*>(out)[b];
      y.d = fp32_to_fp16(d);
      const int32_t sum = RoundStore(x, kQK, id, 127, y.qs);
      y.s = fp32_to_fp16(d * static_cast<float>(sum));
    } else {
      BlockQ8_0& y = static_cast<BlockQ8_0*>(out)[b];
      y.d = fp32_to_fp16(d);
      RoundStore(x, kQK, id, 127, y.qs);
    }
  }
}

// Q8_K super-blocks of 256: the value of largest magnitude (the first such, its sign
// kept) maps to -127; q = min(127, round(x * -127 / max)); sums of q per 16.
void QuantizeQ8K(const float* x, BlockQ8_K* y, int64_t k) {
  const DF df;
  const size_t lanes = hn::Lanes(df);
  for (int64_t b = 0; b < k / kQKK; ++b, x += kQKK) {
    const float amax = MaxAbs(x, kQKK);
    if (amax == 0.0f) {
      std::memset(&y[b], 0, sizeof(BlockQ8_K));
      continue;
    }
    float max = 0.0f;
    for (size_t i = 0; i < kQKK; i += lanes) {
      const VF v = hn::LoadU(df, x + i);
      const intptr_t at = hn::FindFirstTrue(df, hn::Eq(hn::Abs(v), hn::Set(df, amax)));
      if (at >= 0) {
        max = x[i + static_cast<size_t>(at)];
        break;
      }
    }
    const float iscale = -127.f / max;
    if (!std::isfinite(iscale)) {
      // amax below about 3.7e-37: the reference's nearest_int turns x * inf into 0.
      std::memset(&y[b], 0, sizeof(BlockQ8_K));
      y[b].d = 1 / iscale;
      continue;
    }
    for (size_t g = 0; g < kQKK / 16; ++g) {
      y[b].bsums[g] =
          static_cast<int16_t>(RoundStore(x + 16 * g, 16, iscale, 127, y[b].qs + 16 * g));
    }
    y[b].d = 1 / iscale;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace sluice::kernels::activations_simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sluice::kernels {
namespace activations_simd {
HWY_EXPORT(QuantizeQ8);
HWY_EXPORT(QuantizeQ8K);
}  // namespace activations_simd

namespace simd {

void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t k) {
  HWY_DYNAMIC_DISPATCH(activations_simd::QuantizeQ8)(x, y, k, false);
}

void quantize_q8_1(const float* x, BlockQ8_1* y, int64_t k) {
  HWY_DYNAMIC_DISPATCH(activations_simd::QuantizeQ8)(x, y, k, true);
}

void quantize_q8_k(const float* x, BlockQ8_K* y, int64_t k) {
  HWY_DYNAMIC_DISPATCH(activations_simd::QuantizeQ8K)(x, y, k);
}

}  // namespace simd
}  // namespace sluice::kernels
#endif  // HWY_ONCE
