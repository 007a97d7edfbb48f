// Helpers for the audit tests: reading the log, SHA-256, configurations.
#pragma once

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::test::audit {

inline std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// The whole lines of a file (a torn last line is left out).
inline std::vector<std::string> read_lines(const std::filesystem::path& path) {
  const std::string bytes = read_file(path);
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = bytes.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(bytes.substr(start, end - start));
  return lines;
}

inline std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

inline nlohmann::json parse_line(const std::string& line) {
  return nlohmann::json::parse(line);
}

// {"path": PATH, ...extra}
inline std::string audit_config(const std::filesystem::path& path,
                                nlohmann::json extra = nlohmann::json::object()) {
  extra["path"] = path.string();
  return extra.dump();
}

}  // namespace sluice::test::audit
