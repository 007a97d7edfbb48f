// The API key a request presents: `Authorization: Bearer <key>` or `X-Api-Key: <key>`.
#pragma once

#include <string_view>

namespace sluice::security {

// The key from the two headers' values (empty when a header is absent): the Bearer
// token when Authorization holds one (scheme matched case-insensitively), else X-Api-Key,
// surrounding spaces trimmed; empty when neither holds a key.
std::string_view presented_key(std::string_view authorization, std::string_view x_api_key);

}  // namespace sluice::security
