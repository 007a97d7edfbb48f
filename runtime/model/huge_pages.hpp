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
#include <span>
#include <string>

namespace sluice::model {

struct HugePageStatus {
  size_t bytes = 0;       // the file's size
  size_t huge_bytes = 0;  // of it, cached in 2 MiB pages (0 where unknown)
  bool reread = false;    // the file's cached pages were dropped and read again
};

// Prepares the read-only mapping `file` (of the whole file open as `fd`, starting on a
// 2 MiB boundary) to be read through 2 MiB pages: marks it MADV_HUGEPAGE and reads the
// whole file into the page cache. When under half of the file is cached in 2 MiB pages,
// it evicts: one 2 MiB piece is dropped from the page cache and read again as a probe, and
// if that piece comes back as one 2 MiB page, the file's cached pages are dropped (from
// the page cache every process shares; pages another process maps stay; dirty pages are
// written out first) and read again.
// The counting is done through a temporary mapping, so `file` gets no page tables here
// and later maps each 2 MiB of the file with one entry as it is read. Skipped for files
// under 64 MiB, files larger than half the available memory, tmpfs, and where transparent
// huge pages are off. Best effort: every failure leaves `file` as it was, usable.
HugePageStatus prefer_huge_pages(std::span<const uint8_t> file, int fd);

// "770 of 770 MiB mapped in 2 MiB pages (page cache read again)", for logs.
std::string describe(const HugePageStatus& status);

// Bytes of the mapping that starts at `start` mapped through 2 MiB pages, from
// /proc/self/smaps (FilePmdMapped + ShmemPmdMapped); -1 where not known.
int64_t huge_mapped_bytes(const void* start);

}  // namespace sluice::model
