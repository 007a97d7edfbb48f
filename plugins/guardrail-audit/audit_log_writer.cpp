#include "audit_log_writer.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "audit_records.hpp"

namespace sluice_audit {
namespace {

constexpr std::string_view kLineStart = "{\"seq\":";

std::string quoted(const std::string& path) {
  return "'" + path + "'";
}

std::string error_text(int err) {
  return std::strerror(err);
}

using FileKey = std::pair<dev_t, ino_t>;

// The writers this process has open, by file identity (not by spelling of the path).
std::mutex& registry_mutex() {
  static std::mutex mutex;
  return mutex;
}
std::map<FileKey, std::weak_ptr<AuditLogWriter>>& registry() {
  static std::map<FileKey, std::weak_ptr<AuditLogWriter>> writers;
  return writers;
}

std::shared_ptr<AuditLogWriter> registered(const FileKey& key) {
  const auto it = registry().find(key);
  return it != registry().end() ? it->second.lock() : nullptr;
}

// Creates the missing folders above `path`, each 0700: the log may hold prompts.
void make_parent_folders(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::filesystem::path prefix;
  for (const auto& part : parent) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) == 0) continue;
    const int err = errno;
    struct stat st {};
    if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    throw OpenError(SLUICE_ERR_INVALID_ARG, "path: cannot create folder " +
                                                quoted(prefix.string()) + ": " + error_text(err));
  }
}

void pread_all(int fd, char* out, size_t size, off_t offset, const std::string& path) {
  while (size > 0) {
    const ssize_t n = ::pread(fd, out, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw OpenError(SLUICE_ERR_UNAVAILABLE,
                      "path: cannot read " + quoted(path) + ": " +
                          (n < 0 ? error_text(errno) : std::string("unexpected end of file")));
    }
    out += n;
    size -= static_cast<size_t>(n);
    offset += n;
  }
}

// Offset of the last '\n' in [0, end), or -1 when there is none.
off_t last_newline_before(int fd, off_t end, const std::string& path) {
  constexpr off_t kChunk = 64 * 1024;
  std::vector<char> buffer(kChunk);
  while (end > 0) {
    const off_t begin = std::max<off_t>(0, end - kChunk);
    const size_t n = static_cast<size_t>(end - begin);
    pread_all(fd, buffer.data(), n, begin, path);
    for (size_t i = n; i-- > 0;)
      if (buffer[i] == '\n') return begin + static_cast<off_t>(i);
    end = begin;
  }
  return -1;
}

}  // namespace

std::shared_ptr<AuditLogWriter> AuditLogWriter::open(const std::string& path, const Logger& log) {
  std::lock_guard<std::mutex> lock(registry_mutex());
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (auto writer = registered({st.st_dev, st.st_ino})) return writer;
  }
  make_parent_folders(path);
  const int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw OpenError(SLUICE_ERR_INVALID_ARG,
                    "path: cannot open " + quoted(path) + ": " + error_text(errno));
  }
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw OpenError(SLUICE_ERR_INVALID_ARG, "path: " + quoted(path) + " is not a regular file");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    throw OpenError(SLUICE_ERR_UNAVAILABLE,
                    "path: " + quoted(path) + " is locked by another process (" + error_text(err) +
                        "): two writers would fork the hash chain");
  }
  std::shared_ptr<AuditLogWriter> writer(new AuditLogWriter(path, fd, log));  // owns fd
  writer->recover_tail();
  registry()[{st.st_dev, st.st_ino}] = writer;
  return writer;
}

AuditLogWriter::AuditLogWriter(std::string path, int fd, Logger log)
    : path_(std::move(path)), fd_(fd), log_(std::move(log)) {
  prev_.fill('0');
}

AuditLogWriter::~AuditLogWriter() {
  {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    stopping_ = true;
  }
  sync_wake_.notify_all();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (::fdatasync(fd_) != 0 && log_) {
    log_(SLUICE_LOG_ERROR, "audit: fdatasync " + quoted(path_) + ": " + error_text(errno));
  }
  ::close(fd_);
}

// Continues the chain after the last whole line. A tail without a newline is a line a
// crash interrupted: it is cut off (its length and hash kept in a recovery line), so
// the file verifies again and new lines do not follow a fragment.
void AuditLogWriter::recover_tail() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    throw OpenError(SLUICE_ERR_UNAVAILABLE, "path: cannot stat " + quoted(path_));
  }
  const off_t size = st.st_size;
  const off_t last_newline = last_newline_before(fd_, size, path_);
  const off_t whole_end = last_newline + 1;  // bytes in whole lines; 0 when none

  if (last_newline >= 0) {
    const off_t start = last_newline_before(fd_, last_newline, path_) + 1;
    std::string line(static_cast<size_t>(last_newline - start), '\0');
    pread_all(fd_, line.data(), line.size(), start, path_);
    const auto parsed = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!line.starts_with(kLineStart) || !parsed.is_object() || !parsed.contains("seq") ||
        !parsed["seq"].is_number_unsigned()) {
      throw OpenError(SLUICE_ERR_INVALID_ARG,
                      "path: " + quoted(path_) +
                          " is not an audit log (its last line has no seq); refusing to append "
                          "to it: move it aside or name another file");
    }
    next_seq_ = parsed["seq"].get<uint64_t>() + 1;
    prev_ = [&] {
      Sha256 hash;
      hash.update(line);
      return hash.finish();
    }();
  }
  size_ = whole_end;
  if (whole_end == size) return;

  // Only a fragment that starts like an audit line is ours to cut: never truncate a
  // file that merely happens to be named in the configuration.
  const size_t fragment_size = static_cast<size_t>(size - whole_end);
  Sha256 fragment_hash;
  std::vector<char> buffer(64 * 1024);
  for (off_t offset = whole_end; offset < size;) {
    const size_t n = std::min(buffer.size(), static_cast<size_t>(size - offset));
    pread_all(fd_, buffer.data(), n, offset, path_);
    if (offset == whole_end) {
      const size_t k = std::min(n, kLineStart.size());
      if (std::string_view(buffer.data(), k) != kLineStart.substr(0, k)) {
        throw OpenError(SLUICE_ERR_INVALID_ARG,
                        "path: " + quoted(path_) +
                            " does not end like an audit log (its last bytes are not an audit "
                            "line); refusing to append to it: move it aside or name another file");
      }
    }
    fragment_hash.update(std::string_view(buffer.data(), n));
    offset += static_cast<off_t>(n);
  }
  const Sha256Hex digest = fragment_hash.finish();
  if (::ftruncate(fd_, whole_end) != 0) {
    throw OpenError(SLUICE_ERR_UNAVAILABLE, "path: cannot cut the torn last line of " +
                                                quoted(path_) + ": " + error_text(errno));
  }
  if (log_) {
    log_(SLUICE_LOG_WARN, "audit: " + quoted(path_) + " ended in a torn line (" +
                              std::to_string(fragment_size) +
                              " bytes, a crash mid-write); cut it off and wrote a recovery line");
  }
  try {
    append(
        {recovery_body(utc_timestamp(), fragment_size, std::string(digest.data(), digest.size()))});
    sync();
  } catch (const WriteError& e) {
    throw OpenError(SLUICE_ERR_UNAVAILABLE, std::string("path: ") + e.what());
  }
}

void AuditLogWriter::append(const std::vector<std::string>& bodies) {
  size_t capacity = 0;
  for (const auto& body : bodies) capacity += body.size() + 192;
  std::string buffer;
  buffer.reserve(capacity);  // allocated before taking the lock

  std::lock_guard<std::mutex> lock(append_mutex_);
  if (torn_) {
    if (::ftruncate(fd_, size_) != 0) {
      throw WriteError("cannot cut a partial write from " + quoted(path_) + ": " +
                       error_text(errno));
    }
    torn_ = false;
  }
  uint64_t seq = next_seq_;
  Sha256Hex prev = prev_;
  for (const auto& body : bodies) {
    const size_t start = buffer.size();
    buffer += kLineStart;
    buffer += std::to_string(seq);
    buffer += ',';
    buffer += body;
    buffer += ",\"prev\":\"";
    buffer.append(prev.data(), prev.size());
    buffer += '"';
    // One pass over the line: the prefix state is forked for the line's own hash.
    Sha256 whole;
    whole.update(std::string_view(buffer).substr(start));
    const Sha256Hex self = Sha256(whole).finish();
    const size_t suffix = buffer.size();
    buffer += ",\"hash\":\"";
    buffer.append(self.data(), self.size());
    buffer += "\"}";
    whole.update(std::string_view(buffer).substr(suffix));
    prev = whole.finish();
    buffer += '\n';
    ++seq;
  }
  write_all(buffer);
  next_seq_ = seq;
  prev_ = prev;
  size_ += static_cast<off_t>(buffer.size());
  dirty_.store(true, std::memory_order_relaxed);
}

// One write() in the normal case; a short write (a signal, a full disk) is continued or,
// on error, cut off again so the next line does not follow a fragment.
void AuditLogWriter::write_all(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n > 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const int err = n < 0 ? errno : EIO;
    if (done > 0 && ::ftruncate(fd_, size_) != 0) torn_ = true;
    throw WriteError("cannot write to " + quoted(path_) + ": " + error_text(err));
  }
}

void AuditLogWriter::sync() {
  if (::fdatasync(fd_) != 0) {
    throw WriteError("fdatasync " + quoted(path_) + ": " + error_text(errno));
  }
}

void AuditLogWriter::sync_every(int interval_ms) {
  {
    std::lock_guard<std::mutex> lock(sync_mutex_);
    if (interval_ms_ == 0 || interval_ms < interval_ms_) interval_ms_ = interval_ms;
    if (!sync_thread_.joinable()) sync_thread_ = std::thread([this] { sync_loop(); });
  }
  sync_wake_.notify_all();
}

void AuditLogWriter::sync_loop() {
  std::unique_lock<std::mutex> lock(sync_mutex_);
  while (!stopping_) {
    sync_wake_.wait_for(lock, std::chrono::milliseconds(interval_ms_));
    if (stopping_) break;
    if (!dirty_.exchange(false, std::memory_order_relaxed)) continue;
    lock.unlock();  // appends never wait for a sync
    if (::fdatasync(fd_) != 0 && log_) {
      log_(SLUICE_LOG_ERROR, "audit: fdatasync " + quoted(path_) + ": " + error_text(errno));
    }
    lock.lock();
  }
}

}  // namespace sluice_audit
