#include "security/api_key.hpp"

#include <algorithm>

namespace sluice::security {

bool ApiKey::allows_model(std::string_view model) const {
  return models.empty() || std::find(models.begin(), models.end(), model) != models.end();
}

}  // namespace sluice::security
