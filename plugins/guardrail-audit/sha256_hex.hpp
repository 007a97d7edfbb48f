// SHA-256 as lower-case hex, one-shot or incremental (libcrypto's EVP interface).
#pragma once

#include <openssl/evp.h>
#include <array>
#include <string>
#include <string_view>

namespace sluice_audit {

using Sha256Hex = std::array<char, 64>;

// Hex of the SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// An incremental hash whose state can be forked, so a prefix is hashed once for two
// digests (a line's own hash and the hash of the whole line).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256& other);
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view data);
  Sha256Hex finish();  // the object is spent afterwards

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace sluice_audit
