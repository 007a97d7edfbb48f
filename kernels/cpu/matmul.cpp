// Public dot product and matmul entry points: validate once, then run the SIMD kernel
// where the type has one and the scalar one otherwise.
#include <stdexcept>
#include <string>

#include "kernels/cpu/quant.hpp"
#include "kernels/cpu/scalar_dot.hpp"
#include "kernels/cpu/simd.hpp"

namespace sluice::kernels {
namespace {

void check_weights(GgmlType type, int64_t k) {
  if (!has_vec_dot(type)) {
    throw std::invalid_argument(std::string("no dot product for weights of type ") +
                                (is_known_type(type) ? type_name(type) : "unknown"));
  }
  (void)row_bytes(type, k);  // k a multiple of the block size
}

}  // namespace

float vec_dot(GgmlType weight_type, const void* w_row, const void* act_row, int64_t n) {
  check_weights(weight_type, n);
  float out = 0;
  if (simd::has_kernel(weight_type)) {
    simd::matmul_rows(weight_type, w_row, n, 0, 1, act_row, 1, &out, 1);
  } else {
    out = scalar::vec_dot(weight_type, w_row, act_row, n);
  }
  return out;
}

void matmul_rows(GgmlType type, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                 const void* act, int64_t n, float* y, int64_t m) {
  check_weights(type, k);
  if (row_begin < 0 || row_end < row_begin || row_end > m || n < 0) {
    throw std::invalid_argument("matmul_rows: rows [" + std::to_string(row_begin) + ", " +
                                std::to_string(row_end) + ") of " + std::to_string(m) + " with " +
                                std::to_string(n) + " columns");
  }
  if (row_begin == row_end || n == 0 || k == 0) {
    for (int64_t c = 0; c < n; ++c) {
      for (int64_t r = row_begin; r < row_end; ++r) y[c * m + r] = 0;
    }
    return;
  }
  if (simd::has_kernel(type)) {
    simd::matmul_rows(type, w, k, row_begin, row_end, act, n, y, m);
  } else {
    scalar::matmul_rows(type, w, k, row_begin, row_end, act, n, y, m);
  }
}

}  // namespace sluice::kernels
