// An authenticated API key: who it belongs to, what it may use, and its limits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::security {

// Per-key limits; 0 means unlimited.
struct KeyLimits {
  uint32_t requests_per_minute = 0;
  uint64_t tokens_per_minute = 0;  // prompt + generated
  uint32_t max_concurrent = 0;
};

struct ApiKey {
  std::string id;      // unique in the keys file; safe to log (the key itself never is)
  std::string tenant;  // usage is aggregated per tenant
  std::vector<std::string> models;  // empty = every model
  bool admin = false;               // may call /admin/* (admin keys are separate keys)
  KeyLimits limits;

  bool allows_model(std::string_view model) const;
};

}  // namespace sluice::security
