// IEEE half and bfloat16 <-> float, in portable integer code. fp32 -> fp16 rounds to
// nearest even like ggml's GGML_FP32_TO_FP16 (and F16C's vcvtps2ph), so quantizers that
// store fp16 scales reproduce ggml's bytes exactly.
#pragma once

#include <bit>
#include <cstdint>

namespace sluice::kernels {

inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1Fu;
  uint32_t mantissa = h & 0x3FFu;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf, NaN (payload kept)
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // +-0
  } else {
    // Subnormal: normalise. The value is mantissa * 2^-24.
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    bits = sign | (static_cast<uint32_t>(113 - shift) << 23) | ((mantissa & 0x3FFu) << 13);
  }
  return std::bit_cast<float>(bits);
}

inline uint16_t fp32_to_fp16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t abs = x & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return sign | 0x7E00u;   // NaN -> quiet NaN, as ggml
  if (abs >= 0x477FF000u) return sign | 0x7C00u;  // rounds to >= 65536: inf
  if (abs >= 0x38800000u) {                       // normal half (>= 2^-14)
    // Rebias the exponent, then round the 13 dropped bits to nearest even; a carry
    // out of the mantissa correctly bumps the exponent.
    const uint32_t v = abs - 0x38000000u;
    const uint32_t round = 0xFFFu + ((v >> 13) & 1u);
    return sign | static_cast<uint16_t>((v + round) >> 13);
  }
  if (abs < 0x33000000u) return sign;  // below half the smallest subnormal: 0
  // Subnormal half: value = m * 2^-24 with m = round(abs_value * 2^24).
  const uint32_t exponent = abs >> 23;  // 102..112
  const uint32_t mantissa = (abs & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126 - exponent;  // 14..24
  const uint32_t halfway = 1u << (shift - 1);
  const uint32_t remainder = mantissa & ((1u << shift) - 1);
  uint32_t m = mantissa >> shift;
  if (remainder > halfway || (remainder == halfway && (m & 1u))) ++m;
  return sign | static_cast<uint16_t>(m);
}

inline float bf16_to_fp32(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

// Round to nearest even, NaN kept quiet (as ggml_compute_fp32_to_bf16).
inline uint16_t fp32_to_bf16(float f) {
  const uint32_t x = std::bit_cast<uint32_t>(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 64);
  return static_cast<uint16_t>((x + (0x7FFFu + ((x >> 16) & 1u))) >> 16);
}

}  // namespace sluice::kernels
