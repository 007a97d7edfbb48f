#include "cli/backend_loader.hpp"

#include <cstdio>

#include "config/config.hpp"
#include "telemetry/logging.hpp"

namespace sluice::cli {

std::shared_ptr<plugin_host::PluginLibrary> load_backend(plugin_host::PluginRegistry& registry,
                                                         const std::string& name,
                                                         const std::string& level) {
  config::LoggingConfig logging;
  logging.level = level;
  telemetry::configure_logging(logging);
  registry.load_all(config::Config{});
  auto backend = registry.find(name);
  if (backend && backend->kind() == SLUICE_KIND_BACKEND) return backend;
  std::string loaded;
  for (const auto& info : registry.plugins()) {
    if (info.state == plugin_host::LoadState::loaded && info.kind == SLUICE_KIND_BACKEND) {
      loaded += (loaded.empty() ? "" : ", ") + info.name;
    }
  }
  std::fprintf(stderr, "no backend plugin named '%s' (loaded backends: %s)\n", name.c_str(),
               loaded.empty() ? "none" : loaded.c_str());
  return nullptr;
}

}  // namespace sluice::cli
