// bench_matmul: single-threaded matmul_rows for each weight type, k = 2048, m = 8192 unless
// given, at n = 1 and n = 16 columns. Reports the median of 9 runs as weight GB/s (bytes of W read
// per second) and GFLOP/s (2 * m * k * n per second).
//
//   bench_matmul [--hot] [--runs N] [--k K] [--m M] [--n N[,N...]] [--target AVX2|AVX3|SSE4|SCALAR]
//                [TYPE...]
//
// By default each run reads a different copy of W out of a 1 GiB working set, so the
// weights come from DRAM as at decode time rather than from a large L3 (--hot: one copy).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernels/cpu/quant.hpp"
#include "kernels/cpu/simd.hpp"

using namespace sluice::kernels;

namespace {

constexpr int64_t kDistinctRows = 64;  // quantized once, then tiled: quantizing is slow
constexpr size_t kWorkingSet = size_t{1} << 30;

const std::vector<GgmlType> kTypes = {
    GgmlType::f32,  GgmlType::f16,  GgmlType::bf16, GgmlType::q8_0, GgmlType::q4_0,
    GgmlType::q4_1, GgmlType::q5_0, GgmlType::q5_1, GgmlType::q2_k, GgmlType::q3_k,
    GgmlType::q4_k, GgmlType::q5_k, GgmlType::q6_k};

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, sigma);
  std::vector<float> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  bool hot = false;
  int runs = 9;
  int64_t kK = 2048, kM = 8192;
  std::vector<GgmlType> types;
  std::vector<int64_t> columns = {1, 16};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--hot") {
      hot = true;
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--k" && i + 1 < argc) {
      kK = std::max<int64_t>(32, std::atoll(argv[++i]) / 32 * 32);
    } else if (arg == "--m" && i + 1 < argc) {
      kM = std::max<int64_t>(1, std::atoll(argv[++i]));
    } else if (arg == "--n" && i + 1 < argc) {
      columns.clear();
      for (const char* p = argv[++i]; *p != '\0';) {
        char* end = nullptr;
        const long long n = std::strtoll(p, &end, 10);
        if (end == p || n < 1) break;
        columns.push_back(n);
        p = *end == ',' ? end + 1 : end;
      }
      if (columns.empty()) columns = {1};
    } else if (arg == "--target" && i + 1 < argc) {
      const std::string want = argv[++i];
      bool found = false;
      for (int64_t t : simd::available_targets()) {
        if (want == simd::target_name(t)) {
          simd::force_target(t);
          found = true;
        }
      }
      if (!found) {
        std::fprintf(stderr, "target %s is not available here\n", want.c_str());
        return 2;
      }
    } else {
      bool found = false;
      for (GgmlType t : kTypes) {
        if (arg == type_name(t)) {
          types.push_back(t);
          found = true;
        }
      }
      if (!found) {
        std::fprintf(stderr,
                     "usage: %s [--hot] [--runs N] [--k K] [--m M] [--n N[,N...]] [--target NAME] "
                     "[TYPE...]\n",
                     argv[0]);
        return 2;
      }
    }
  }
  if (types.empty()) types = kTypes;

  std::printf("bench_matmul: k=%lld m=%lld, 1 thread, SIMD target %s, median of %d runs, %s\n",
              static_cast<long long>(kK), static_cast<long long>(kM),
              simd::target_name(simd::active_target()), runs,
              hot ? "weights hot (one copy)" : "weights cold (1 GiB working set)");
  std::printf("%-5s %3s %9s %10s %9s %9s  %s\n", "type", "n", "W MiB", "ms", "GB/s", "GFLOP/s",
              "kernel");
  for (GgmlType type : types) {
    if (kK % block_elements(type) != 0) {
      std::printf("%-5s skipped: k is not a multiple of its %lld-value blocks\n", type_name(type),
                  static_cast<long long>(block_elements(type)));
      continue;
    }
    const size_t row = row_bytes(type, kK);
    const size_t matrix = row * kM;
    // Distinct rows, tiled over the matrix and over as many copies as the working set holds.
    std::vector<uint8_t> distinct(row * kDistinctRows);
    for (int64_t r = 0; r < kDistinctRows; ++r) {
      const auto w = gaussian(kK, 1 + static_cast<uint32_t>(r), 0.02f);
      quantize_row_ref(type, w.data(), distinct.data() + r * row, kK);
    }
    const size_t copies = hot ? 1 : std::max<size_t>(2, kWorkingSet / matrix);
    std::vector<uint8_t> weights(matrix * copies);
    for (size_t off = 0; off < weights.size(); off += distinct.size()) {
      std::memcpy(weights.data() + off, distinct.data(),
                  std::min(distinct.size(), weights.size() - off));
    }
    for (int64_t n : columns) {
      const size_t a_row = activation_row_bytes(type, kK);
      std::vector<uint8_t> act(a_row * n);
      for (int64_t c = 0; c < n; ++c) {
        const auto x = gaussian(kK, 1000 + static_cast<uint32_t>(c), 1.0f);
        quantize_activations(type, x.data(), act.data() + c * a_row, kK);
      }
      std::vector<float> y(static_cast<size_t>(n * kM));
      // One untimed run, then the timed ones on successive copies.
      matmul_rows(type, weights.data(), kK, 0, kM, act.data(), n, y.data(), kM);
      std::vector<double> times;
      for (int r = 0; r < runs; ++r) {
        const uint8_t* w = weights.data() + ((r + 1) % copies) * matrix;
        const auto start = std::chrono::steady_clock::now();
        matmul_rows(type, w, kK, 0, kM, act.data(), n, y.data(), kM);
        times.push_back(seconds_since(start));
      }
      std::sort(times.begin(), times.end());
      const double t = times[times.size() / 2];
      std::printf("%-5s %3lld %9.2f %10.3f %9.2f %9.2f  %s\n", type_name(type),
                  static_cast<long long>(n), matrix / 1048576.0, t * 1e3, matrix / t / 1e9,
                  2.0 * kM * kK * n / t / 1e9, simd::has_kernel(type) ? "SIMD" : "scalar");
    }
  }
  return 0;
}
