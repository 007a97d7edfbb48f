// Mapping streamed weights in 2 MiB pages (model/huge_pages.hpp).
#include "model/huge_pages.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <vector>

#include "model/mapped_file.hpp"
#include "test_support.hpp"

using sluice::model::HugePageStatus;
using sluice::model::MappedFile;

namespace {

constexpr size_t kWords = (size_t{72} << 20) / sizeof(uint64_t);  // above the 64 MiB floor

// Writes word i = i * odd constant, so a page read from the wrong offset shows.
std::filesystem::path write_pattern(const std::filesystem::path& path) {
  std::vector<uint64_t> words(kWords);
  for (size_t i = 0; i < kWords; ++i) words[i] = i * 0x9E3779B97F4A7C15ull;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(words.data(), sizeof(uint64_t), kWords, f) == kWords);
  REQUIRE(std::fclose(f) == 0);
  return path;
}

bool pattern_intact(const MappedFile& file) {
  const auto bytes = file.bytes();
  if (bytes.size() != kWords * sizeof(uint64_t)) return false;
  for (size_t i = 0; i < kWords; ++i) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i * sizeof w, sizeof w);
    if (w != i * 0x9E3779B97F4A7C15ull) return false;
  }
  return true;
}

// Writes the file out and drops it from the page cache: the next reader reads the disk.
void evict(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::fdatasync(fd) == 0);
  REQUIRE(::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0);
  ::close(fd);
}

// Caches the file in 4 KiB pages, as reading it in small pieces without readahead does
// (`cp` leaves a copy so too).
void cache_in_small_pages(const std::filesystem::path& path) {
  evict(path);
  const int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(::posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) == 0);
  std::vector<char> page(4096);
  for (off_t at = 0; ::pread(fd, page.data(), page.size(), at) > 0; at += 4096) {
  }
  ::close(fd);
}

}  // namespace

TEST_CASE("huge pages: small files are mapped as they are") {
  sluice::test::ScratchDir dir;
  const auto path = dir.write("small.bin", std::string(1 << 20, 'x'));
  const MappedFile file(path);
  const HugePageStatus status = file.prefer_huge_pages();
  CHECK(status.bytes == size_t{1} << 20);
  CHECK(status.huge_bytes == 0);
  CHECK_FALSE(status.reread);
}

TEST_CASE("huge pages: a file cached in small pages is read again into 2 MiB pages, once") {
#if !defined(__linux__)
  std::printf("SKIPPED: 2 MiB page-cache pages are a Linux feature\n");
  return;
#else
  sluice::test::ScratchDir dir;
  // Whether this kernel and file system cache files in 2 MiB pages at all: a file read
  // from disk through the marked mapping comes in so where they do.
  const auto uncached = write_pattern(dir.path() / "uncached.bin");
  evict(uncached);
  HugePageStatus status;
  {
    const MappedFile file(uncached);
    status = file.prefer_huge_pages();
    CHECK(pattern_intact(file));
  }
  CHECK(status.bytes == kWords * sizeof(uint64_t));
  if (status.huge_bytes < status.bytes / 10 * 9) {
    std::printf(
        "SKIPPED: this kernel or file system caches %s in small pages (%zu of %zu MiB "
        "in 2 MiB pages)\n",
        uncached.c_str(), status.huge_bytes >> 20, status.bytes >> 20);
    return;
  }
  CHECK_FALSE(status.reread);  // it was read into 2 MiB pages to begin with

  // A file cached in small pages: the first mapping reads it again.
  const auto written = write_pattern(dir.path() / "written.bin");
  cache_in_small_pages(written);
  {
    const MappedFile file(written);
    status = file.prefer_huge_pages();
    CHECK(pattern_intact(file));
  }
  CHECK(status.reread);
  CHECK(status.huge_bytes >= status.bytes / 10 * 9);
  // Its cache is in 2 MiB pages now: the next load maps them without reading again.
  {
    const MappedFile file(written);
    status = file.prefer_huge_pages();
    CHECK(pattern_intact(file));
  }
  CHECK_FALSE(status.reread);
  CHECK(status.huge_bytes >= status.bytes / 10 * 9);
#endif
}
