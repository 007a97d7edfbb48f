#include "security/presented_key.hpp"

#include <cctype>

namespace sluice::security {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  }
  return true;
}

}  // namespace

std::string_view presented_key(std::string_view authorization, std::string_view x_api_key) {
  authorization = trim(authorization);
  constexpr std::string_view kBearer = "bearer";
  if (starts_with_ignoring_case(authorization, kBearer) && authorization.size() > kBearer.size() &&
      (authorization[kBearer.size()] == ' ' || authorization[kBearer.size()] == '\t')) {
    const std::string_view token = trim(authorization.substr(kBearer.size()));
    if (!token.empty()) return token;
  }
  return trim(x_api_key);
}

}  // namespace sluice::security
