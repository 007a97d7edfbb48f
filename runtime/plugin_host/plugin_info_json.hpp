// A plugin's load record as JSON: `sluice plugins --json` and GET /admin/plugins.
#pragma once

#include <nlohmann/json.hpp>

#include "plugin_host/plugin_library.hpp"

namespace sluice::plugin_host {

nlohmann::json plugin_info_json(const PluginInfo& info);

}  // namespace sluice::plugin_host
