#include "security/key_store.hpp"

#include <sys/stat.h>

#include <cstring>
#include <shared_mutex>
#include <unordered_map>

#include "security/key_hash.hpp"

namespace sluice::security {

// One version of the keys file with its own cache: a reload swaps in a new snapshot, so
// a revoked key's cache entry goes with the old one and cannot authenticate again, even
// if a lookup that started before the reload caches it afterwards.
struct KeyStore::Snapshot {
  struct Entry {
    std::shared_ptr<const ApiKey> key;
    KeyHash hash;
  };
  struct DigestHash {
    size_t operator()(const Sha256Digest& d) const {
      size_t h;
      static_assert(sizeof(h) <= sizeof(Sha256Digest));
      std::memcpy(&h, d.data(), sizeof(h));  // a sha256 is already uniformly spread
      return h;
    }
  };

  std::vector<Entry> entries;
  mutable std::shared_mutex cache_mutex;
  // sha256(presented key) -> its key; at most one entry per key in the file.
  mutable std::unordered_map<Sha256Digest, std::shared_ptr<const ApiKey>, DigestHash> cache;
};

KeyStore::KeyStore(std::filesystem::path file) : file_(std::move(file)) {
  std::lock_guard lock(reload_mutex_);
  const FileStamp now = stamp();
  load();
  stamp_ = now;
}

KeyStore::~KeyStore() = default;

KeyStore::FileStamp KeyStore::stamp() const {
  struct stat st {};
  if (::stat(file_.c_str(), &st) != 0) return FileStamp{};
  return FileStamp{true, int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                   static_cast<uintmax_t>(st.st_size), st.st_ino, st.st_dev};
}

void KeyStore::load() {
  std::vector<KeyEntry> entries = load_key_file(file_);  // throws before anything changes
  auto next = std::make_shared<Snapshot>();
  next->entries.reserve(entries.size());
  for (auto& e : entries) {
    const KeyHash hash = *parse_key_hash(e.hash);  // load_key_file checked the format
    next->entries.push_back(
        Snapshot::Entry{std::make_shared<const ApiKey>(static_cast<ApiKey&&>(e)), hash});
  }
  std::lock_guard lock(snapshot_mutex_);
  snapshot_ = std::move(next);
}

std::shared_ptr<const KeyStore::Snapshot> KeyStore::current() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

std::shared_ptr<const ApiKey> KeyStore::authenticate(std::string_view presented) const {
  if (presented.empty() || presented.size() > kMaxPresentedKey) return nullptr;
  const std::shared_ptr<const Snapshot> snapshot = current();
  const Sha256Digest digest = sha256(presented);
  {
    std::shared_lock lock(snapshot->cache_mutex);
    if (auto it = snapshot->cache.find(digest); it != snapshot->cache.end()) return it->second;
  }
  // Every entry is tried even after a match, so that the time taken does not tell which
  // entry (or whether an early one) matched.
  std::shared_ptr<const ApiKey> found;
  for (const auto& entry : snapshot->entries) {
    if (key_matches(presented, entry.hash) && !found) found = entry.key;
  }
  if (found) {
    std::unique_lock lock(snapshot->cache_mutex);
    snapshot->cache.emplace(digest, found);
  }
  return found;
}

bool KeyStore::reload_if_changed() {
  std::lock_guard lock(reload_mutex_);
  const FileStamp now = stamp();
  if (now == stamp_) return false;
  // Remembered before loading: a bad version is reported once, and a change made while
  // reading shows up as a new stamp on the next call.
  stamp_ = now;
  load();
  return true;
}

void KeyStore::reload() {
  std::lock_guard lock(reload_mutex_);
  const FileStamp now = stamp();
  load();
  stamp_ = now;
}

size_t KeyStore::size() const {
  return current()->entries.size();
}

std::vector<std::string> KeyStore::ids() const {
  const auto snapshot = current();
  std::vector<std::string> out;
  out.reserve(snapshot->entries.size());
  for (const auto& e : snapshot->entries) out.push_back(e.key->id);
  return out;
}

}  // namespace sluice::security
