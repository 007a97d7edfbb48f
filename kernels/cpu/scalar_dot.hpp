// Portable scalar dot products: the reference the SIMD kernels are tested against, and
// what the HWY_SCALAR dispatch target (CPUs without SSE4) runs. Same contracts as vec_dot() and
// matmul_rows() in quant.hpp; arguments are not validated here.
#pragma once

#include <cstdint>

#include "kernels/cpu/types.hpp"

namespace sluice::kernels::scalar {

float vec_dot(GgmlType weight_type, const void* w_row, const void* act_row, int64_t k);

void matmul_rows(GgmlType type, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                 const void* act, int64_t n, float* y, int64_t m);

}  // namespace sluice::kernels::scalar
