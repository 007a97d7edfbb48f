#include "security/key_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <optional>
#include <stdexcept>

namespace sluice::security {
namespace {

constexpr std::string_view kPrefix = "sha256$";
constexpr size_t kSaltBytes = 16;
constexpr std::string_view kKeyPrefix = "sk-sluice-";
constexpr size_t kKeyBytes = 32;

void random_bytes(uint8_t* out, size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    throw std::runtime_error("the system's random generator failed (RAND_bytes)");
  }
}

std::string to_hex(const uint8_t* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(n * 2, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not hash_key()'s format
}

// Decodes exactly out.size() bytes of lower-case hex, or nothing.
template <size_t N>
std::optional<std::array<uint8_t, N>> from_hex(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  std::array<uint8_t, N> out{};
  for (size_t i = 0; i < N; ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

// SHA-256 fetched once (an implicit fetch per digest costs more than the digest), and one
// context per thread, reused.
EVP_MD_CTX* digest_context() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                           EVP_MD_CTX_free);
  if (md == nullptr || !ctx || EVP_DigestInit_ex2(ctx.get(), md, nullptr) != 1) {
    throw std::runtime_error("sha256 is not available (OpenSSL EVP_MD_fetch)");
  }
  return ctx.get();
}

Sha256Digest salted_digest(const uint8_t* salt, size_t salt_size, std::string_view key) {
  EVP_MD_CTX* ctx = digest_context();
  Sha256Digest out{};
  unsigned int size = 0;
  if (EVP_DigestUpdate(ctx, salt, salt_size) != 1 ||
      EVP_DigestUpdate(ctx, key.data(), key.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &size) != 1 || size != out.size()) {
    throw std::runtime_error("sha256 failed (OpenSSL EVP_Digest)");
  }
  return out;
}

}  // namespace

Sha256Digest sha256(std::string_view data) {
  return salted_digest(nullptr, 0, data);
}

std::string hash_key(std::string_view key) {
  std::array<uint8_t, kSaltBytes> salt{};
  random_bytes(salt.data(), salt.size());
  const Sha256Digest digest = salted_digest(salt.data(), salt.size(), key);
  return std::string(kPrefix) + to_hex(salt.data(), salt.size()) + "$" +
         to_hex(digest.data(), digest.size());
}

std::optional<KeyHash> parse_key_hash(std::string_view stored) {
  if (stored.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  stored.remove_prefix(kPrefix.size());
  const size_t dollar = stored.find('$');
  if (dollar == std::string_view::npos) return std::nullopt;
  auto salt = from_hex<kSaltBytes>(stored.substr(0, dollar));
  auto digest = from_hex<32>(stored.substr(dollar + 1));
  if (!salt || !digest) return std::nullopt;
  return KeyHash{*salt, *digest};
}

bool key_matches(std::string_view key, const KeyHash& stored) {
  const Sha256Digest digest = salted_digest(stored.salt.data(), stored.salt.size(), key);
  return CRYPTO_memcmp(digest.data(), stored.digest.data(), digest.size()) == 0;
}

bool key_matches(std::string_view key, std::string_view stored) {
  const auto parsed = parse_key_hash(stored);
  return parsed && key_matches(key, *parsed);
}

bool is_key_hash(std::string_view stored) {
  return parse_key_hash(stored).has_value();
}

std::string generate_key() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<uint8_t, kKeyBytes> bytes{};
  random_bytes(bytes.data(), bytes.size());
  std::string out(kKeyPrefix);
  // base64url without padding: 32 bytes -> 43 characters.
  uint32_t bits = 0;
  int pending = 0;
  for (uint8_t b : bytes) {
    bits = bits << 8 | b;
    pending += 8;
    while (pending >= 6) {
      pending -= 6;
      out += kAlphabet[(bits >> pending) & 0x3f];
    }
  }
  if (pending > 0) out += kAlphabet[(bits << (6 - pending)) & 0x3f];
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return out;
}

}  // namespace sluice::security
