// Weights streamed once per decoded token, mapped in 2 MiB pages rather than 4 KiB ones.
//
// Decoding reads every weight once per token. Through 4 KiB pages that is a TLB miss and
// a page walk per 4 KiB: 1b Q4_K_M decoded 4-5% faster from the same file held in 2 MiB
// page-cache folios (docs/performance.md). Whether a file's cached pages are 2 MiB folios
// depends on how they were read: a file copied with `cp` or read in small pieces is cached
// in 4 KiB folios; one read through a mapping marked MADV_HUGEPAGE (or in large reads, on
// file systems with large folios) in 2 MiB ones. Linux only; elsewhere a no-op.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>

namespace sluice::model {

struct HugePageStatus {
  size_t bytes = 0;       // the mapping's size
  size_t huge_bytes = 0;  // of it, mapped through 2 MiB pages (0 where unknown)
  bool reread = false;    // the file's cached pages were dropped and read again
};

// Marks the read-only file mapping [data, data + size) of `path` MADV_HUGEPAGE and maps
// all of it (reading what is not cached yet). When most of it is still in 4 KiB pages,
// one 2 MiB piece is dropped from the page cache and read again as a probe; if that
// piece comes back as a 2 MiB page, the whole file's cached pages are dropped and read
// again the same way. Pages another process maps stay as they are. Best effort: every
// failure leaves the mapping as it was, usable.
HugePageStatus prefer_huge_pages(const uint8_t* data, size_t size,
                                 const std::filesystem::path& path);

}  // namespace sluice::model
