#include "model/huge_pages.hpp"

#if defined(__linux__)
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#endif

namespace sluice::model {

#if defined(__linux__)
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
// Smaller files gain nothing worth a probe (vocabularies, test models).
constexpr size_t kMinBytes = size_t{64} << 20;
#ifndef MADV_POPULATE_READ
constexpr int MADV_POPULATE_READ = 22;  // Linux 5.14
#endif

// FilePmdMapped of the mapping starting at `start`, from /proc/self/smaps; -1 if absent.
int64_t file_pmd_mapped(const void* start) {
  std::FILE* smaps = std::fopen("/proc/self/smaps", "re");
  if (smaps == nullptr) return -1;
  const auto wanted = reinterpret_cast<uintptr_t>(start);
  char line[512];
  bool in_mapping = false;
  int64_t result = -1;
  while (std::fgets(line, sizeof line, smaps) != nullptr) {
    uintptr_t begin = 0, end = 0;
    // A mapping's header starts "begin-end " in hex; its fields are "Name:   value kB".
    if (std::sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &begin, &end) == 2) {
      in_mapping = begin == wanted;
      continue;
    }
    long long kib = 0;
    if (in_mapping && std::sscanf(line, "FilePmdMapped: %lld kB", &kib) == 1) {
      result = kib * 1024;
      break;
    }
  }
  std::fclose(smaps);
  return result;
}

bool populate(const uint8_t* at, size_t bytes) {
  return madvise(const_cast<uint8_t*>(at), bytes, MADV_POPULATE_READ) == 0;
}

// Drops the page-cache pages of [offset, offset + bytes) that no mapping holds.
void drop_cached(int fd, const uint8_t* mapped, size_t offset, size_t bytes) {
  madvise(const_cast<uint8_t*>(mapped) + offset, bytes, MADV_DONTNEED);  // our mapping's
  posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(bytes), POSIX_FADV_DONTNEED);
}

// Maps the 2 MiB piece of the file at `offset` on its own, marked MADV_HUGEPAGE, and says
// whether it came in as one 2 MiB page.
bool piece_maps_huge(int fd, size_t offset) {
  // A 2 MiB-aligned address inside a reserved 4 MiB range: a 2 MiB page needs one.
  void* reserved = mmap(nullptr, 2 * kHugePage, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (reserved == MAP_FAILED) return false;
  const uintptr_t aligned =
      (reinterpret_cast<uintptr_t>(reserved) + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
  void* piece = mmap(reinterpret_cast<void*>(aligned), kHugePage, PROT_READ,
                     MAP_PRIVATE | MAP_FIXED, fd, static_cast<off_t>(offset));
  bool huge = false;
  if (piece != MAP_FAILED && madvise(piece, kHugePage, MADV_HUGEPAGE) == 0 &&
      populate(static_cast<const uint8_t*>(piece), kHugePage)) {
    huge = file_pmd_mapped(piece) == static_cast<int64_t>(kHugePage);
  }
  munmap(reserved, 2 * kHugePage);  // the piece lies inside it
  return huge;
}

// Drops the file's cached pages if one 2 MiB piece of it, dropped and read again through
// a marked mapping of its own, comes back as one 2 MiB page; says whether it did.
bool read_again_in_huge_pages(const uint8_t* data, size_t size, const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const size_t probe = size / 2 / kHugePage * kHugePage;  // from the middle of the file
  drop_cached(fd, data, probe, kHugePage);
  const bool huge = piece_maps_huge(fd, probe);
  if (huge) drop_cached(fd, data, 0, size);
  ::close(fd);
  return huge;
}

}  // namespace

HugePageStatus prefer_huge_pages(const uint8_t* data, size_t size,
                                 const std::filesystem::path& path) {
  HugePageStatus status;
  status.bytes = size;
  // A 2 MiB page maps file offsets congruent to its address: the mapping must start on
  // a 2 MiB boundary (the kernel places large file mappings so).
  if (data == nullptr || size < kMinBytes || reinterpret_cast<uintptr_t>(data) % kHugePage != 0)
    return status;
  auto* mapped = const_cast<uint8_t*>(data);
  if (madvise(mapped, size, MADV_HUGEPAGE) != 0 || !populate(data, size)) return status;
  int64_t huge = file_pmd_mapped(data);
  if (huge >= 0 && static_cast<size_t>(huge) < size / 10 * 9 &&
      read_again_in_huge_pages(data, size, path)) {
    status.reread = true;
    populate(data, size);  // reads the file again, into 2 MiB pages
    huge = file_pmd_mapped(data);
  }
  status.huge_bytes = huge < 0 ? 0 : static_cast<size_t>(huge);
  // Only the count needed the whole file mapped. Dropping this mapping's page-table
  // entries (not the cached pages: they are mapped again, 2 MiB at a time, when read)
  // leaves RSS counting what decoding touches, as before.
  madvise(mapped, size, MADV_DONTNEED);
  return status;
}

#else

HugePageStatus prefer_huge_pages(const uint8_t*, size_t size, const std::filesystem::path&) {
  return {size, 0, false};
}

#endif

}  // namespace sluice::model
