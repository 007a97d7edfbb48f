// Mapping streamed weights in 2 MiB pages (model/huge_pages.hpp).
#include "model/huge_pages.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "model/mapped_file.hpp"
#include "test_support.hpp"

using sluice::model::huge_mapped_bytes;
using sluice::model::HugePageStatus;
using sluice::model::MappedFile;

namespace {

constexpr size_t kWords = (size_t{72} << 20) / sizeof(uint64_t);  // above the 64 MiB floor
constexpr size_t kBytes = kWords * sizeof(uint64_t);

// Word i is i * an odd constant, so a page read from the wrong offset shows.
constexpr uint64_t kPatternStep = 0x9E3779B97F4A7C15ull;

std::vector<uint64_t> pattern() {
  std::vector<uint64_t> words(kWords);
  for (size_t i = 0; i < kWords; ++i) words[i] = i * kPatternStep;
  return words;
}

std::filesystem::path write_pattern(const std::filesystem::path& path) {
  const std::vector<uint64_t> words = pattern();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(std::fwrite(words.data(), sizeof(uint64_t), kWords, f) == kWords);
  REQUIRE(std::fclose(f) == 0);
  return path;
}

// Reads every word of the mapping (so every page is mapped) and checks it.
bool pattern_intact(const MappedFile& file) {
  const auto bytes = file.bytes();
  if (bytes.size() != kBytes) return false;
  for (size_t i = 0; i < kWords; ++i) {
    uint64_t w;
    std::memcpy(&w, bytes.data() + i * sizeof w, sizeof w);
    if (w != i * kPatternStep) return false;
  }
  return true;
}

// The same pattern written 4 KiB at a time and left unwritten-back: cached in 4 KiB pages,
// dirty, as a file a moment after `cp` or a download.
std::filesystem::path write_pattern_in_small_pieces(const std::filesystem::path& path) {
  const std::vector<uint64_t> words = pattern();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  REQUIRE(fd >= 0);
  const auto* bytes = reinterpret_cast<const char*>(words.data());
  bool written = true;
  for (size_t at = 0; at < kBytes && written; at += 4096) {
    written = ::write(fd, bytes + at, 4096) == 4096;
  }
  ::close(fd);
  REQUIRE(written);
  return path;
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

// The folder for the big files: SLUICE_HUGE_PAGE_TEST_DIR, else a fresh temporary one
// (on a tmpfs /tmp the test then skips: tmpfs is left alone).
std::filesystem::path test_folder(const sluice::test::ScratchDir& scratch) {
  const char* dir = std::getenv("SLUICE_HUGE_PAGE_TEST_DIR");
  return dir != nullptr ? std::filesystem::path(dir) : scratch.path();
}

}  // namespace

TEST_CASE("huge pages: small files are left alone") {
  sluice::test::ScratchDir dir;
  const auto path = dir.write("small.bin", std::string(1 << 20, 'x'));
  const MappedFile file(path);
  const HugePageStatus status = sluice::model::prefer_huge_pages(file.bytes(), file.fd());
  CHECK(status.bytes == size_t{1} << 20);
  CHECK(status.huge_bytes == 0);
  CHECK_FALSE(status.reread);
}

TEST_CASE("huge pages: a file cached in 4 KiB pages is read again and mapped in 2 MiB ones") {
#if !defined(__linux__)
  std::printf("SKIPPED: 2 MiB page-cache pages are a Linux feature\n");
  return;
#else
  sluice::test::ScratchDir scratch;
  const auto folder = test_folder(scratch);
  // Whether this kernel and file system cache files in 2 MiB pages at all, found without
  // the code under test: a file read from disk through a mapping marked MADV_HUGEPAGE.
  const auto uncached = write_pattern(folder / "sluice-huge-uncached.bin");
  evict(uncached);
  int64_t oracle = -1;
  {
    const MappedFile file(uncached);
    auto* at = const_cast<uint8_t*>(file.bytes().data());
    if (reinterpret_cast<uintptr_t>(at) % (2 << 20) == 0 &&
        ::madvise(at, kBytes, MADV_HUGEPAGE) == 0 && pattern_intact(file)) {
      oracle = huge_mapped_bytes(at);
    }
  }
  std::filesystem::remove(uncached);
  if (oracle < static_cast<int64_t>(kBytes / 2)) {
    std::printf(
        "SKIPPED: this kernel or file system does not cache %s in 2 MiB pages (%lld "
        "of %zu MiB)\n",
        uncached.c_str(), static_cast<long long>(oracle < 0 ? 0 : oracle >> 20), kBytes >> 20);
    return;
  }

  // Loads the file as the model loader does; checks whether it was read again, that
  // at least half is in 2 MiB pages, and that the file's own mapping, read, then comes
  // through them (what it is all for) with every byte in place.
  const auto load = [](const std::filesystem::path& path, bool expect_reread) {
    const MappedFile file(path);
    const HugePageStatus status = sluice::model::prefer_huge_pages(file.bytes(), file.fd());
    CHECK(status.bytes == kBytes);
    CHECK(status.reread == expect_reread);
    CHECK(status.huge_bytes >= kBytes / 2);
    CHECK(pattern_intact(file));
    CHECK(huge_mapped_bytes(file.bytes().data()) >= static_cast<int64_t>(kBytes / 2));
  };
  const auto path = write_pattern(folder / "sluice-huge-small.bin");
  cache_in_small_pages(path);
  load(path, true);
  load(path, false);  // in 2 MiB pages now: the next load reads nothing again
  std::filesystem::remove(path);

  // Just written, in 4 KiB pieces: its dirty pages are written out before being dropped.
  const auto written = write_pattern_in_small_pieces(folder / "sluice-huge-written.bin");
  load(written, true);
  std::filesystem::remove(written);
#endif
}
