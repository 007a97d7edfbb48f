// fp16/bf16 conversions against the CPU's own (F16C rounds to nearest even, as ggml's
// GGML_FP32_TO_FP16 does), so fp16 scales are stored exactly as llama.cpp stores them.
#include <bit>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <random>

#include "kernels/cpu/fp16.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
namespace {
// CPUID leaf 1, ECX bit 29 (clang-14's __builtin_cpu_supports does not know "f16c").
bool has_f16c() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29)) != 0;
}
__attribute__((target("f16c"))) uint16_t hardware_fp32_to_fp16(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}
__attribute__((target("f16c"))) float hardware_fp16_to_fp32(uint16_t h) {
  return _cvtsh_ss(h);
}
}  // namespace
#endif

using namespace sluice::kernels;

TEST_CASE("fp16 conversions match F16C on every half and on random floats", "[fp16]") {
#if defined(__x86_64__)
  if (!has_f16c()) {
    std::cout << "SKIPPED: this CPU has no F16C to compare with\n";
    return;
  }
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float ours = fp16_to_fp32(static_cast<uint16_t>(h));
    const float hw = hardware_fp16_to_fp32(static_cast<uint16_t>(h));
    if (std::isnan(hw)) {
      REQUIRE(std::isnan(ours));
    } else {
      REQUIRE(std::bit_cast<uint32_t>(ours) == std::bit_cast<uint32_t>(hw));
      // Every finite half survives the round trip.
      REQUIRE(fp32_to_fp16(ours) == static_cast<uint16_t>(h));
    }
  }
  std::mt19937 rng(7);
  uint32_t mismatches = 0;
  for (int i = 0; i < 4'000'000; ++i) {
    const float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (std::isnan(f)) continue;
    if (fp32_to_fp16(f) != hardware_fp32_to_fp16(f)) ++mismatches;
  }
  // Halfway cases and the subnormal/overflow edges, explicitly.
  for (float f : {65504.0f, 65519.99f, 65520.0f, 1e9f, 0x1p-24f, 0x1p-25f, 0x1.8p-25f, 0x1p-26f,
                  0x1.002p-14f, 0x1.001p-14f, 0x1.003p0f, 0x1.001p0f, -0x1.001p0f}) {
    if (fp32_to_fp16(f) != hardware_fp32_to_fp16(f)) ++mismatches;
  }
  REQUIRE(mismatches == 0);
#else
  std::cout << "SKIPPED: no F16C on this architecture\n";
#endif
}

TEST_CASE("bf16 conversions round to nearest even", "[fp16]") {
  REQUIRE(bf16_to_fp32(0x3F80) == 1.0f);
  REQUIRE(fp32_to_bf16(1.0f) == 0x3F80);
  REQUIRE(fp32_to_bf16(std::bit_cast<float>(0x3F808000u)) == 0x3F80);  // tie, even stays
  REQUIRE(fp32_to_bf16(std::bit_cast<float>(0x3F818000u)) == 0x3F82);  // tie, odd rounds up
  REQUIRE(fp32_to_bf16(std::bit_cast<float>(0x3F808001u)) == 0x3F81);
  REQUIRE(std::isnan(bf16_to_fp32(fp32_to_bf16(NAN))));
}
