#include "model/huge_pages.hpp"

#if defined(__linux__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <string>
#endif

namespace sluice::model {

std::string describe(const HugePageStatus& status) {
  return std::to_string(status.huge_bytes >> 20) + " of " + std::to_string(status.bytes >> 20) +
         " MiB mapped in 2 MiB pages" + (status.reread ? " (page cache read again)" : "");
}

#if defined(__linux__)
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
// Smaller files gain nothing worth a probe (vocabularies, test models).
constexpr size_t kMinBytes = size_t{64} << 20;
constexpr int kMadvPopulateRead = 22;  // MADV_POPULATE_READ, Linux 5.14
constexpr long kTmpfsMagic = 0x01021994;

bool populate(const uint8_t* at, size_t bytes) {
  return madvise(const_cast<uint8_t*>(at), bytes, kMadvPopulateRead) == 0;
}

// The administrator's or the process's choice against transparent huge pages.
bool huge_pages_disabled() {
  std::ifstream setting("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (std::getline(setting, line) && line.find("[never]") != std::string::npos) return true;
  return prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) == 1;
}

// MemAvailable from /proc/meminfo, in bytes; 0 where not known.
size_t available_memory() {
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  while (std::getline(meminfo, line)) {
    unsigned long long kib = 0;
    if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) return kib * 1024;
  }
  return 0;
}

// A temporary mapping of `bytes` of the file at `offset`, marked MADV_HUGEPAGE, at a 2 MiB
// boundary (a 2 MiB page maps file offsets congruent to its address). Unmapping it frees
// its page tables too, which MADV_DONTNEED does not on most kernels: a 2 MiB page can
// only be mapped where no page table is.
class ScratchMapping {
 public:
  ScratchMapping(int fd, size_t offset, size_t bytes) : reserved_bytes_(bytes + kHugePage) {
    reserved_ = mmap(nullptr, reserved_bytes_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (reserved_ == MAP_FAILED) return;
    const uintptr_t aligned =
        (reinterpret_cast<uintptr_t>(reserved_) + kHugePage - 1) & ~(uintptr_t{kHugePage} - 1);
    void* at = mmap(reinterpret_cast<void*>(aligned), bytes, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd,
                    static_cast<off_t>(offset));
    if (at != MAP_FAILED && madvise(at, bytes, MADV_HUGEPAGE) == 0)
      data_ = static_cast<const uint8_t*>(at);
  }
  ~ScratchMapping() {
    if (reserved_ != MAP_FAILED) munmap(reserved_, reserved_bytes_);  // the file's part too
  }
  ScratchMapping(const ScratchMapping&) = delete;
  ScratchMapping& operator=(const ScratchMapping&) = delete;

  // Reads `bytes` in through the mapping; the bytes of it in 2 MiB pages, or -1.
  int64_t populate_and_count(size_t bytes) const {
    if (data_ == nullptr || !populate(data_, bytes)) return -1;
    return huge_mapped_bytes(data_);
  }

 private:
  void* reserved_ = MAP_FAILED;
  size_t reserved_bytes_;
  const uint8_t* data_ = nullptr;
};

void drop_cached(int fd, size_t offset, size_t bytes) {
  posix_fadvise(fd, static_cast<off_t>(offset), static_cast<off_t>(bytes), POSIX_FADV_DONTNEED);
}

}  // namespace

int64_t huge_mapped_bytes(const void* start) {
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return -1;
  const auto wanted = reinterpret_cast<uintptr_t>(start);
  std::string line;
  bool in_mapping = false;
  int64_t total = -1;
  while (std::getline(smaps, line)) {
    uintptr_t begin = 0, end = 0;
    // A mapping's header starts "begin-end " in hex; its fields are "Name:   value kB".
    if (std::sscanf(line.c_str(), "%" SCNxPTR "-%" SCNxPTR " ", &begin, &end) == 2) {
      if (in_mapping) break;  // past the wanted mapping
      in_mapping = begin == wanted;
      continue;
    }
    long long kib = 0;
    if (in_mapping && (std::sscanf(line.c_str(), "FilePmdMapped: %lld kB", &kib) == 1 ||
                       std::sscanf(line.c_str(), "ShmemPmdMapped: %lld kB", &kib) == 1)) {
      total = (total < 0 ? 0 : total) + kib * 1024;
    }
  }
  return total;
}

HugePageStatus prefer_huge_pages(std::span<const uint8_t> file, int fd) {
  HugePageStatus status;
  status.bytes = file.size();
  const size_t size = file.size();
  struct statfs fs {};
  if (file.data() == nullptr || size < kMinBytes ||
      reinterpret_cast<uintptr_t>(file.data()) % kHugePage != 0 || fstatfs(fd, &fs) != 0 ||
      static_cast<long>(fs.f_type) == kTmpfsMagic || huge_pages_disabled() ||
      size > available_memory() / 2) {
    return status;
  }
  // Later faults on `file` read what is not cached yet into 2 MiB pages.
  if (madvise(const_cast<uint8_t*>(file.data()), size, MADV_HUGEPAGE) != 0) return status;
  int64_t huge = ScratchMapping(fd, 0, size).populate_and_count(size);
  // Dirty pages cannot be dropped: a file just written (a download, `sluice quantize`)
  // is written out first.
  if (huge >= 0 && static_cast<size_t>(huge) < size / 2 && fdatasync(fd) == 0) {
    // The probe: a piece from the middle of the file, dropped and read again on its own.
    const size_t probe = size / 2 / kHugePage * kHugePage;
    drop_cached(fd, probe, kHugePage);
    if (ScratchMapping(fd, probe, kHugePage).populate_and_count(kHugePage) ==
        static_cast<int64_t>(kHugePage)) {
      drop_cached(fd, 0, size);
      status.reread = true;
      huge = ScratchMapping(fd, 0, size).populate_and_count(size);
    }
  }
  status.huge_bytes = huge < 0 ? 0 : static_cast<size_t>(huge);
  return status;
}

#else

HugePageStatus prefer_huge_pages(std::span<const uint8_t> file, int) {
  return {file.size(), 0, false};
}

int64_t huge_mapped_bytes(const void*) {
  return -1;
}

#endif

}  // namespace sluice::model
