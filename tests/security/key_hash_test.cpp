// Stored key hashes: format, salting, constant-time matching, generated keys.
#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "security/key_hash.hpp"
#include "security/presented_key.hpp"

using namespace sluice::security;

namespace {

bool is_lower_hex(std::string_view s) {
  return s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

TEST_CASE("hash_key writes sha256$<32 hex salt>$<64 hex digest>", "[security][hash]") {
  const std::string h = hash_key("sk-sluice-example");
  REQUIRE(h.size() == 7 + 32 + 1 + 64);
  CHECK(h.substr(0, 7) == "sha256$");
  CHECK(h[39] == '$');
  CHECK(is_lower_hex(h.substr(7, 32)));
  CHECK(is_lower_hex(h.substr(40)));
  CHECK(is_key_hash(h));
}

TEST_CASE("hash_key salts each hash differently", "[security][hash]") {
  std::set<std::string> salts, hashes;
  for (int i = 0; i < 20; ++i) {
    const std::string h = hash_key("same key");
    salts.insert(h.substr(7, 32));
    hashes.insert(h);
    CHECK(key_matches("same key", h));
  }
  CHECK(salts.size() == 20);
  CHECK(hashes.size() == 20);
}

TEST_CASE("hash_key's digest is sha256 of salt then key", "[security][hash]") {
  // Salt 00..0f, key "abc": sha256(bytes 00..0f || "abc"), computed independently.
  const std::string salt = "000102030405060708090a0b0c0d0e0f";
  std::string input;
  for (int i = 0; i < 16; ++i) input += static_cast<char>(i);
  input += "abc";
  const Sha256Digest d = sha256(input);
  std::string hex;
  for (uint8_t b : d) {
    static constexpr char kDigits[] = "0123456789abcdef";
    hex += kDigits[b >> 4];
    hex += kDigits[b & 0xf];
  }
  CHECK(key_matches("abc", "sha256$" + salt + "$" + hex));
  CHECK_FALSE(key_matches("abd", "sha256$" + salt + "$" + hex));
  // And sha256 itself is the standard one.
  const Sha256Digest empty = sha256("");
  CHECK(empty[0] == 0xe3);
  CHECK(empty[1] == 0xb0);
  CHECK(empty[31] == 0x55);
}

TEST_CASE("key_matches: the right key, a wrong key, and malformed hashes", "[security][hash]") {
  const std::string key = generate_key();
  const std::string h = hash_key(key);
  CHECK(key_matches(key, h));
  CHECK_FALSE(key_matches(key + "x", h));
  CHECK_FALSE(key_matches(key.substr(0, key.size() - 1), h));
  CHECK_FALSE(key_matches("", h));
  CHECK_FALSE(key_matches(key, generate_key()));

  std::string upper = h;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::vector<std::string> malformed = {
      "",
      "sha256$",
      h.substr(0, h.size() - 1),                                   // digest one digit short
      h + "0",                                                     // one digit long
      "sha512" + h.substr(6),                                      // another algorithm
      "sha256$" + h.substr(7, 32) + h.substr(40),                  // no second '$'
      "sha256$" + h.substr(8, 31) + "$" + h.substr(40),            // odd salt
      "sha256$" + h.substr(7, 32) + "$" + h.substr(40, 63) + "g",  // not hex
      "SHA256$" + upper.substr(7),                                 // upper case
      key,                                                         // the key itself
  };
  for (const auto& m : malformed) {
    INFO(m);
    CHECK_FALSE(is_key_hash(m));
    CHECK_FALSE(key_matches(key, m));
  }
}

TEST_CASE("generate_key gives sk-sluice- and 43 base64url characters", "[security][hash]") {
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    const std::string k = generate_key();
    REQUIRE(k.size() == 10 + 43);
    CHECK(k.substr(0, 10) == "sk-sluice-");
    CHECK(k.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                              10) == std::string::npos);
    // 32 bytes = 256 bits = 42 full characters + 4 bits: the last character's low 2 bits are 0.
    const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    CHECK(alphabet.find(k.back()) % 4 == 0);
    keys.insert(k);
  }
  CHECK(keys.size() == 50);
}

TEST_CASE("presented_key reads Bearer, then X-Api-Key", "[security][hash]") {
  CHECK(presented_key("Bearer sk-a", "") == "sk-a");
  CHECK(presented_key("bearer   sk-a  ", "") == "sk-a");
  CHECK(presented_key("BEARER\tsk-a", "sk-b") == "sk-a");
  CHECK(presented_key("", " sk-b ") == "sk-b");
  CHECK(presented_key("Basic dXNlcjpwYXNz", "sk-b") == "sk-b");
  CHECK(presented_key("Bearer", "sk-b") == "sk-b");
  CHECK(presented_key("Bearersk-a", "") == "");
  CHECK(presented_key("Bearer ", "") == "");
  CHECK(presented_key("", "").empty());
}
