// The audit log file: appends hash-chained JSON lines, one write() per request, and
// repairs a torn last line (a crash mid-write) when it is reopened.
//
// Every line is {"seq":N,<body>,"prev":"<64 hex>","hash":"<64 hex>"}: `prev` is the
// SHA-256 of the previous line's bytes (64 zeros for the first line) and `hash` the
// SHA-256 of this line's bytes up to and including prev's closing quote, so an edit of
// any line, the last included, breaks a hash (sluice audit verify).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sha256_hex.hpp"
#include "sluice/abi.h"

namespace sluice_audit {

// The file could not be opened or adopted; `status` is the sluice_status to report.
class OpenError : public std::runtime_error {
 public:
  OpenError(sluice_status status, const std::string& message)
      : std::runtime_error(message), status(status) {}
  sluice_status status;
};

// A write or sync failed; the chain is unchanged (the line was not recorded).
class WriteError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AuditLogWriter {
 public:
  using Logger = std::function<void(int32_t level, const std::string& message)>;

  // The writer for `path`: the one this process already has open for the same file
  // (two instances appending separately would fork the chain), else a new one. A new
  // one creates the file (mode 0600) and missing parent folders (0700), takes an
  // exclusive flock so a second process cannot interleave its own chain, continues the
  // chain from the last whole line and, when the file ends in a torn line, cuts it off
  // and records that in a "recovery" line.
  static std::shared_ptr<AuditLogWriter> open(const std::string& path, const Logger& log);

  ~AuditLogWriter();  // stops the sync thread, syncs, closes
  AuditLogWriter(const AuditLogWriter&) = delete;
  AuditLogWriter& operator=(const AuditLogWriter&) = delete;

  // Appends one chained line per body, contiguously, with a single write() on the
  // O_APPEND descriptor (other callers wait for at most that write). Free-threaded.
  void append(const std::vector<std::string>& bodies);

  // fdatasync now, without holding the append lock. Throws WriteError.
  void sync();

  // Starts (or shortens the period of) the background thread that syncs every
  // `interval_ms` when lines were appended since the last sync.
  void sync_every(int interval_ms);

  const std::string& path() const { return path_; }

 private:
  AuditLogWriter(std::string path, int fd, Logger log);
  void recover_tail();
  void write_all(const std::string& bytes);
  void sync_loop();

  const std::string path_;
  const int fd_;
  const Logger log_;

  std::mutex append_mutex_;  // orders seq and prev with the bytes in the file
  uint64_t next_seq_ = 1;
  Sha256Hex prev_{};
  off_t size_ = 0;     // the file's length after our last complete write
  bool torn_ = false;  // a failed write left bytes past size_ that could not be cut

  std::mutex sync_mutex_;
  std::condition_variable sync_wake_;
  std::thread sync_thread_;
  int interval_ms_ = 0;
  bool stopping_ = false;
  std::atomic<bool> dirty_{false};
};

}  // namespace sluice_audit
