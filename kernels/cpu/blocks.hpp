// Block structs, byte for byte as ggml-common.h lays them out (little-endian; fp16 and
// bf16 values are kept as their raw 16-bit patterns). QK_K = 256.
#pragma once

#include <cstdint>
#include <cstring>

namespace sluice::kernels {

constexpr int kQK = 32;    // values per block of the "legacy" types
constexpr int kQKK = 256;  // values per super-block of the K types

struct BlockQ4_0 {
  uint16_t d;           // scale, fp16
  uint8_t qs[kQK / 2];  // value j in the low nibble of qs[j], value j+16 in its high nibble
};
struct BlockQ4_1 {
  uint16_t d;  // scale, fp16
  uint16_t m;  // minimum, fp16
  uint8_t qs[kQK / 2];
};
struct BlockQ5_0 {
  uint16_t d;
  uint8_t qh[4];  // fifth bit of value j in bit j (little-endian uint32)
  uint8_t qs[kQK / 2];
};
struct BlockQ5_1 {
  uint16_t d;
  uint16_t m;
  uint8_t qh[4];
  uint8_t qs[kQK / 2];
};
struct BlockQ8_0 {
  uint16_t d;
  int8_t qs[kQK];
};
struct BlockQ8_1 {
  uint16_t d;
  uint16_t s;  // d * sum(qs), fp16
  int8_t qs[kQK];
};
struct BlockQ2_K {
  uint8_t scales[kQKK / 16];  // low nibble scale, high nibble min, per 16 values
  uint8_t qs[kQKK / 4];
  uint16_t d;
  uint16_t dmin;
};
struct BlockQ3_K {
  uint8_t hmask[kQKK / 8];
  uint8_t qs[kQKK / 4];
  uint8_t scales[12];  // sixteen 6-bit scales, offset by 32
  uint16_t d;
};
struct BlockQ4_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];  // eight 6-bit scales and eight 6-bit mins, one per 32 values
  uint8_t qs[kQKK / 2];
};
struct BlockQ5_K {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t qh[kQKK / 8];
  uint8_t qs[kQKK / 2];
};
struct BlockQ6_K {
  uint8_t ql[kQKK / 2];
  uint8_t qh[kQKK / 4];
  int8_t scales[kQKK / 16];
  uint16_t d;
};
struct BlockQ8_K {
  float d;
  int8_t qs[kQKK];
  int16_t bsums[kQKK / 16];  // sums of qs in groups of 16
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ4_1) == 20);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ2_K) == 84);
static_assert(sizeof(BlockQ3_K) == 110);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block.
inline void k_scale_min(int j, const uint8_t* q, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = q[j] & 63;
    min = q[j + 4] & 63;
  } else {
    scale = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
    min = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
  }
}

// The sixteen signed scales of a Q3_K block (already minus 32). Scale j has its low
// nibble in packed[j % 8] (low half for j < 8, high half after) and its top two bits at
// bit 2 * (j / 4) of packed[8 + j % 4]; unpacked four at a time in 32-bit words.
inline void q3k_scales(const uint8_t* packed, int8_t out[16]) {
  constexpr uint32_t kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  uint32_t w[3];
  std::memcpy(w, packed, 12);
  const uint32_t words[4] = {
      (w[0] & kLow4) | ((w[2] & kLow2) << 4),
      (w[1] & kLow4) | (((w[2] >> 2) & kLow2) << 4),
      ((w[0] >> 4) & kLow4) | (((w[2] >> 4) & kLow2) << 4),
      ((w[1] >> 4) & kLow4) | (((w[2] >> 6) & kLow2) << 4),
  };
  uint8_t bytes[16];
  std::memcpy(bytes, words, 16);
  for (int j = 0; j < 16; ++j) out[j] = static_cast<int8_t>(bytes[j] - 32);
}

}  // namespace sluice::kernels
