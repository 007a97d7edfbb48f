// API keys are stored only as salted SHA-256 hashes: "sha256$<salt hex>$<digest hex>",
// digest = sha256(salt || key). Keys are 256 random bits, so one salted hash (not a slow
// password hash) is enough: nothing shorter than the key itself can be guessed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::security {

// A fresh random 16-byte salt each call, so the same key never hashes the same twice.
std::string hash_key(std::string_view key);

// Whether `key` is the key `stored` (a hash_key() string) was made from. Compares the
// digests in constant time; false for a malformed `stored`.
bool key_matches(std::string_view key, std::string_view stored);

// Whether `stored` has hash_key()'s format: "sha256$" + 32 hex + "$" + 64 hex (lower case).
bool is_key_hash(std::string_view stored);

// A stored hash decoded once (the key store keeps these, not the strings).
struct KeyHash {
  std::array<uint8_t, 16> salt;
  std::array<uint8_t, 32> digest;
};
std::optional<KeyHash> parse_key_hash(std::string_view stored);
bool key_matches(std::string_view key, const KeyHash& stored);

// "sk-sluice-" + 43 base64url characters of 32 random bytes (no padding).
std::string generate_key();

// Plain sha256 of `data` (the key store's cache index for a presented key).
using Sha256Digest = std::array<uint8_t, 32>;
Sha256Digest sha256(std::string_view data);

}  // namespace sluice::security
