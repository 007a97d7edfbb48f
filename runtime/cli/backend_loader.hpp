// Finding a backend plugin by name for the one-shot commands (run, bench).
#pragma once

#include <memory>
#include <string>

#include "plugin_host/plugin_library.hpp"
#include "plugin_host/plugin_registry.hpp"

namespace sluice::cli {

// Logs at `level` on stderr, loads the plugins from the default folders into `registry`
// and returns the backend named `name`, or null after printing which backends were
// found.
std::shared_ptr<plugin_host::PluginLibrary> load_backend(plugin_host::PluginRegistry& registry,
                                                         const std::string& name,
                                                         const std::string& level);

}  // namespace sluice::cli
