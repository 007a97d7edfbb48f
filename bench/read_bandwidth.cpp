// bench_read_bandwidth: how fast this machine streams memory into the cores, the
// denominator of the generation roofline (weight bytes read per token / bandwidth).
//
//   bench_read_bandwidth [--threads N] [--mib SIZE] [--runs R] [--json]
//
// Each of N threads sums its own contiguous share of a SIZE MiB buffer (default 1 GiB,
// several times any L3 here, in huge pages where granted) with wide vector loads; the
// median of R passes is reported as GB/s (10^9 bytes per second). The buffer is written
// once first so every page is mapped before timing.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <sys/mman.h>

namespace {

// Several independent accumulators so the adds never limit the loads; the compiler
// vectorizes this loop, and target_clones picks AVX-512 or AVX2 at load time.
__attribute__((target_clones("avx512f", "avx2", "default"))) uint64_t sum_words(const uint64_t* p,
                                                                                size_t n) {
  uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 += p[i];
    a1 += p[i + 1];
    a2 += p[i + 2];
    a3 += p[i + 3];
    a4 += p[i + 4];
    a5 += p[i + 5];
    a6 += p[i + 6];
    a7 += p[i + 7];
  }
  for (; i < n; ++i) a0 += p[i];
  return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 2;
  size_t mib = 1024;
  int runs = 7;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--mib" && i + 1 < argc) {
      mib = static_cast<size_t>(std::max(1, std::atoi(argv[++i])));
    } else if (arg == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--json") {
      json = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_read_bandwidth [--threads N] [--mib SIZE] [--runs R] [--json]\n");
      return 2;
    }
  }
  const size_t words = mib * 1024 * 1024 / sizeof(uint64_t);
  // In transparent huge pages where the kernel allows them on request (the usual
  // "madvise" setting): with 4 KiB pages this read measured ~10% below what the
  // decoding kernels reach from the page cache, so the roofline read over 100%.
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t bytes = (words * sizeof(uint64_t) + kHugePage - 1) / kHugePage * kHugePage;
  std::unique_ptr<uint64_t, decltype(&std::free)> memory(
      static_cast<uint64_t*>(std::aligned_alloc(kHugePage, bytes)), &std::free);
  if (!memory) {
    std::fprintf(stderr, "bench_read_bandwidth: cannot allocate %zu MiB\n", mib);
    return 1;
  }
  madvise(memory.get(), bytes, MADV_HUGEPAGE);  // a hint: failure only costs speed
  std::span<uint64_t> buffer(memory.get(), words);
  for (size_t i = 0; i < words; ++i) buffer[i] = i;

  std::vector<double> gbs;
  std::atomic<uint64_t> sink{0};
  for (int r = 0; r < runs; ++r) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> pool;
    const size_t share = words / static_cast<size_t>(threads);
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load(std::memory_order_acquire)) {
        }
        sink.fetch_add(sum_words(buffer.data() + share * static_cast<size_t>(t), share));
      });
    }
    while (ready.load() < threads) {
    }
    const auto start = std::chrono::steady_clock::now();
    go.store(true, std::memory_order_release);
    for (auto& th : pool) th.join();
    const double sec =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    gbs.push_back(static_cast<double>(share * static_cast<size_t>(threads) * 8) / sec / 1e9);
  }
  std::vector<double> sorted = gbs;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  if (json) {
    std::printf("{\"threads\": %d, \"mib\": %zu, \"median_gb_per_s\": %.3f, \"runs\": [", threads,
                mib, median);
    for (size_t i = 0; i < gbs.size(); ++i) std::printf("%s%.3f", i ? ", " : "", gbs[i]);
    std::printf("], \"checksum\": %llu}\n", static_cast<unsigned long long>(sink.load() & 1));
  } else {
    std::printf("read bandwidth, %d threads, %zu MiB: median %.2f GB/s of %d runs\n", threads, mib,
                median, runs);
  }
  return 0;
}
