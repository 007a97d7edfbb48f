// Helpers shared by the kernel tests: random data, an exact float64 decoder written
// independently of the library's dequantizer, and the error bounds the tests use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "kernels/cpu/quant.hpp"

namespace sluice::kernels::test {

// Gaussian values (sigma 1) with a few larger outliers, as real weights and activations
// have; the same seed always gives the same data.
std::vector<float> random_floats(int64_t n, uint32_t seed, float scale = 1.0f);

// A quantized row in bytes.
std::vector<uint8_t> quantize(GgmlType type, const std::vector<float>& x);

// Every value of a row decoded exactly in double (products of small integers and fp16
// or float scales are exact in double), plus what the bounds need per value:
//   envelope  sum of the magnitudes of the terms that make it up (|d*sc*q| + |dmin*m|),
//             which bounds the rounding of float arithmetic on it
//   step      the distance between adjacent levels of its (sub-)block
//   lo, hi    the smallest and largest value its (sub-)block can represent
struct Decoded {
  std::vector<double> value, envelope, step, lo, hi;
};
Decoded decode_exact(GgmlType type, const void* row, int64_t n);

// Bound on |x - q.value[i]| when the quantizer put x on the nearest level of its
// (sub-)block, or on the end of the block's range when x lies outside it: half a step
// plus the distance outside, plus rounding (see the definition).
double nearest_level_bound(GgmlType type, const Decoded& q, size_t i, double x);

// The types with a weight-side dot product, and the ones that are quantized.
const std::vector<GgmlType>& weight_types();
bool is_quantized(GgmlType type);

// Largest error of one activation value after quantize_activations(weight_type, ...),
// per value, a priori from the source block (see the definition for the derivation).
std::vector<double> activation_error_bound(GgmlType weight_type, const std::vector<float>& x);

// Bound on |float kernel - exact sum of W_i * a_i| for one dot product of length k, from
// the envelopes of the weights and the prepared activation row (see the definition).
double arithmetic_bound(GgmlType weight_type, const Decoded& w, const void* act_row, int64_t k);

// The shared reference data: $SLUICE_SHARED, or ../shared beside the source tree.
std::filesystem::path shared_dir();

}  // namespace sluice::kernels::test
