// A plugin's own TOML table, turned into the JSON it receives through the C ABI.
#pragma once

#include <toml++/toml.h>
#include <nlohmann/json.hpp>

namespace sluice::config {

// Tables become objects, arrays arrays; dates and times become their TOML text.
nlohmann::json toml_to_json(const toml::node& node);

}  // namespace sluice::config
