// The keys file: TOML, one [[key]] table per key, holding only salted hashes.
//
//   [[key]]
//   id = "acme-prod"                   # required, unique
//   tenant = "acme"                    # required
//   hash = "sha256$<salt>$<digest>"    # required (sluice keys new / sluice keys hash)
//   models = ["llama-3-8b"]            # optional; absent or empty = every model
//   admin = false                      # optional
//   requests_per_minute = 60           # optional limits, 0 or absent = unlimited
//   tokens_per_minute = 100000
//   max_concurrent = 4
//
// A plaintext `key = "..."` field and unknown fields are errors; every problem in the file
// is reported at once, each naming file:line:column and the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "security/api_key.hpp"

namespace sluice::security {

// One [[key]] table as read: the key and its stored hash.
struct KeyEntry : ApiKey {
  std::string hash;   // hash_key()'s format
  uint32_t line = 0;  // where its [[key]] table starts, for messages
};

struct KeyFileProblem {
  std::filesystem::path file;
  uint32_t line = 0;  // 0 when the file could not be read at all
  uint32_t column = 0;
  std::string key;  // "key 'acme-prod'", or "key #3" when it has no id; empty for the file
  std::string message;

  // "keys.toml:7:1: key 'acme-prod': missing required field 'hash'"
  std::string to_string() const;
};

class KeyFileError : public std::runtime_error {
 public:
  explicit KeyFileError(std::vector<KeyFileProblem> problems);
  const std::vector<KeyFileProblem>& problems() const { return problems_; }

 private:
  std::vector<KeyFileProblem> problems_;
};

// Reads and validates a keys file; throws KeyFileError listing every problem.
std::vector<KeyEntry> load_key_file(const std::filesystem::path& file);

// The same for text already in memory; `file` names it in messages.
std::vector<KeyEntry> parse_key_file(std::string_view text, const std::filesystem::path& file);

}  // namespace sluice::security
