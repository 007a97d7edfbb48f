// The server's API keys, loaded from the keys file and reloaded when it changes.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "security/api_key.hpp"
#include "security/key_file.hpp"

namespace sluice::security {

class KeyStore {
 public:
  // Loads `file`; throws KeyFileError.
  explicit KeyStore(std::filesystem::path file);
  ~KeyStore();
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;

  // The key `presented` (from Authorization: Bearer or X-Api-Key), or nullptr when no entry
  // matches. Thread-safe. A key that matched once is cached by sha256(presented), so a
  // known key costs one sha256; an unknown one costs one salted sha256 per entry.
  // Presented strings longer than kMaxPresentedKey bytes are refused without hashing.
  std::shared_ptr<const ApiKey> authenticate(std::string_view presented) const;

  // Re-reads the file when its mtime, size or inode changed; true when the keys were
  // replaced. On a bad file the old keys stay and KeyFileError is thrown, once per
  // version of the file (the next call returns false until the file changes again).
  bool reload_if_changed();
  // Re-reads the file now; on a bad file keeps the old keys and throws KeyFileError.
  void reload();

  size_t size() const;
  const std::filesystem::path& file() const { return file_; }
  // The ids of the keys now loaded (for RateLimiter::forget_keys_not_in after a reload).
  std::vector<std::string> ids() const;

  static constexpr size_t kMaxPresentedKey = 512;

 private:
  struct Snapshot;
  struct FileStamp {
    bool exists = false;
    int64_t mtime_ns = 0;
    uintmax_t size = 0;
    ino_t inode = 0;
    dev_t device = 0;
    bool operator==(const FileStamp&) const = default;
  };

  FileStamp stamp() const;
  void load();  // throws KeyFileError before anything changes
  std::shared_ptr<const Snapshot> current() const;

  std::filesystem::path file_;
  mutable std::mutex snapshot_mutex_;  // guards snapshot_ (the pointer, not what it holds)
  std::shared_ptr<const Snapshot> snapshot_;
  std::mutex reload_mutex_;  // one reload at a time; guards stamp_
  FileStamp stamp_;
};

}  // namespace sluice::security
