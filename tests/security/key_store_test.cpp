// The key store: authentication against salted hashes, the match cache, and reloading
// the keys file when it changes (added and revoked keys, broken edits).
#include <catch2/catch.hpp>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "security/key_hash.hpp"
#include "security/key_store.hpp"
#include "test_support.hpp"

using namespace sluice::security;
namespace fs = std::filesystem;

namespace {

std::string entry(const std::string& id, const std::string& key, const std::string& extra = "") {
  return "[[key]]\nid = \"" + id + "\"\ntenant = \"t-" + id + "\"\nhash = \"" + hash_key(key) +
         "\"\n" + extra + "\n";
}

// Rewrites `file` and moves its mtime forward explicitly, so the change is seen even on
// a file system with coarse timestamps and without sleeping.
void rewrite(const fs::path& file, const std::string& content) {
  const auto before = fs::last_write_time(file);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << content;
  fs::last_write_time(file, before + std::chrono::seconds(1));
}

}  // namespace

TEST_CASE("authenticate finds the key a presented string hashes to", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const std::string alice = generate_key(), bob = generate_key(), root = generate_key();
  const auto file = dir.write(
      "keys.toml", entry("alice", alice, "models = [\"small\"]\nrequests_per_minute = 5") +
                       entry("bob", bob) + entry("root", root, "admin = true"));
  KeyStore store(file);
  CHECK(store.size() == 3);
  CHECK(store.file() == file);
  CHECK(store.ids() == std::vector<std::string>{"alice", "bob", "root"});

  const auto a = store.authenticate(alice);
  REQUIRE(a);
  CHECK(a->id == "alice");
  CHECK(a->tenant == "t-alice");
  CHECK(a->limits.requests_per_minute == 5);
  CHECK(a->allows_model("small"));
  CHECK_FALSE(a->allows_model("large"));
  CHECK_FALSE(a->admin);

  const auto b = store.authenticate(bob);
  REQUIRE(b);
  CHECK(b->id == "bob");
  CHECK(b->allows_model("small"));
  CHECK(b->allows_model("anything"));  // no models = every model
  CHECK_FALSE(b->admin);

  const auto r = store.authenticate(root);
  REQUIRE(r);
  CHECK(r->admin);

  // The cached path gives the same key object.
  CHECK(store.authenticate(alice) == a);
  CHECK(store.authenticate(alice) == a);

  CHECK_FALSE(store.authenticate(generate_key()));
  CHECK_FALSE(store.authenticate(alice + " "));
  CHECK_FALSE(store.authenticate(alice.substr(1)));
  CHECK_FALSE(store.authenticate(""));
  CHECK_FALSE(store.authenticate(std::string(KeyStore::kMaxPresentedKey + 1, 'a')));
  // The hash itself is not a key.
  std::ostringstream text_stream;
  text_stream << std::ifstream(file).rdbuf();
  const std::string text = text_stream.str();
  const size_t at = text.find("sha256$");
  CHECK_FALSE(store.authenticate(text.substr(at, 7 + 32 + 1 + 64)));
}

TEST_CASE("a bad keys file is refused at start", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const auto file = dir.write("keys.toml", entry("a", "k", "key = \"k\""));
  CHECK_THROWS_AS(KeyStore(file), KeyFileError);
  CHECK_THROWS_AS(KeyStore(dir.path() / "absent.toml"), KeyFileError);
}

TEST_CASE("reload_if_changed picks up added and revoked keys", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const std::string alice = generate_key(), bob = generate_key();
  const auto file = dir.write("keys.toml", entry("alice", alice));
  KeyStore store(file);
  REQUIRE(store.authenticate(alice));  // now cached
  CHECK_FALSE(store.authenticate(bob));
  CHECK_FALSE(store.reload_if_changed());

  rewrite(file, entry("alice", alice) + entry("bob", bob));
  CHECK(store.reload_if_changed());
  CHECK(store.size() == 2);
  REQUIRE(store.authenticate(bob));
  CHECK(store.authenticate(bob)->id == "bob");
  CHECK(store.authenticate(alice));
  CHECK_FALSE(store.reload_if_changed());

  // Revoking alice takes effect at once, although her key was cached.
  rewrite(file, entry("bob", bob));
  CHECK(store.reload_if_changed());
  CHECK(store.size() == 1);
  CHECK_FALSE(store.authenticate(alice));
  CHECK(store.authenticate(bob));
}

TEST_CASE("a key's limits and models change with a reload", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const std::string k = generate_key();
  const auto file = dir.write("keys.toml", entry("a", k, "requests_per_minute = 5"));
  KeyStore store(file);
  REQUIRE(store.authenticate(k));
  CHECK(store.authenticate(k)->limits.requests_per_minute == 5);
  // Same size, same inode: only the mtime tells.
  const auto size = fs::file_size(file);
  rewrite(file, entry("a", k, "requests_per_minute = 7"));
  REQUIRE(fs::file_size(file) == size);
  REQUIRE(store.reload_if_changed());
  REQUIRE(store.authenticate(k));
  CHECK(store.authenticate(k)->limits.requests_per_minute == 7);
  CHECK(store.authenticate(k)->allows_model("other"));
  rewrite(file, entry("a", k, "requests_per_minute = 7\nmodels = [\"m\"]"));
  REQUIRE(store.reload_if_changed());
  REQUIRE(store.authenticate(k));
  CHECK_FALSE(store.authenticate(k)->allows_model("other"));
}

TEST_CASE("a file replaced by rename is seen through its inode", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const std::string a = generate_key(), b = generate_key();
  const auto file = dir.write("keys.toml", entry("a", a));
  KeyStore store(file);
  // Same size and the same mtime as the old file: only the inode differs.
  const std::string replacement = entry("b", b);
  REQUIRE(replacement.size() == fs::file_size(file));
  const auto mtime = fs::last_write_time(file);
  const auto staged = dir.write("keys.toml.new", replacement);
  fs::last_write_time(staged, mtime);
  fs::rename(staged, file);
  CHECK(store.reload_if_changed());
  CHECK_FALSE(store.authenticate(a));
  CHECK(store.authenticate(b));
}

TEST_CASE("a broken edit keeps the old keys", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const std::string alice = generate_key(), bob = generate_key();
  const auto file = dir.write("keys.toml", entry("alice", alice));
  KeyStore store(file);

  rewrite(file, entry("alice", alice) + entry("bob", bob, "tenent = \"x\""));
  CHECK_THROWS_WITH(store.reload_if_changed(),
                    Catch::Contains("key 'bob': unknown field 'tenent' (did you mean 'tenant'?)"));
  CHECK(store.size() == 1);
  CHECK(store.authenticate(alice));
  CHECK_FALSE(store.authenticate(bob));
  // Reported once per version of the file, not on every poll.
  CHECK_FALSE(store.reload_if_changed());
  // reload() always re-reads, and throws again.
  CHECK_THROWS_AS(store.reload(), KeyFileError);
  CHECK(store.authenticate(alice));

  // A deleted file is a broken edit too.
  fs::remove(file);
  CHECK_THROWS_AS(store.reload_if_changed(), KeyFileError);
  CHECK(store.authenticate(alice));

  dir.write("keys.toml", entry("alice", alice) + entry("bob", bob));
  CHECK(store.reload_if_changed());
  CHECK(store.authenticate(bob));
}

TEST_CASE("authenticate is safe while the file is reloaded", "[security][keystore]") {
  sluice::test::ScratchDir dir;
  const std::string keep = generate_key(), flip = generate_key();
  const auto file = dir.write("keys.toml", entry("keep", keep));
  KeyStore store(file);
  std::atomic<bool> stop{false};
  std::atomic<int> keep_failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        if (!store.authenticate(keep)) ++keep_failures;
        store.authenticate(flip);
      }
    });
  }
  for (int i = 0; i < 40; ++i) {
    rewrite(file, entry("keep", keep) + (i % 2 == 0 ? entry("flip", flip) : ""));
    REQUIRE(store.reload_if_changed());
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(keep_failures == 0);
  // The last version (i = 39) has no "flip".
  CHECK_FALSE(store.authenticate(flip));
}
