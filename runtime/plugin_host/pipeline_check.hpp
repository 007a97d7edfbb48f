// Cross-checks the configuration's references to plugins against what was loaded.
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace sluice::plugin_host {

// One line per name in [pipeline] or [[model]] that no loaded plugin of the right kind
// provides, e.g. "pipeline.backends names 'cuda', which is not a loaded backend plugin".
std::vector<std::string> unresolved_plugin_references(const config::Config& config,
                                                      const PluginRegistry& registry);

}  // namespace sluice::plugin_host
