// A plugin's own TOML table, turned into the JSON it receives through the C ABI.
#pragma once

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

namespace sluice::config {

// Tables become objects, arrays arrays; dates and times become their TOML text.
nlohmann::json toml_to_json(const toml::node& node);

}  // namespace sluice::config
