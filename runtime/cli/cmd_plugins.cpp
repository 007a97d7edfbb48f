#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "config/config_loader.hpp"
#include "plugin_host/descriptor_check.hpp"
#include "plugin_host/pipeline_check.hpp"
#include "plugin_host/plugin_info_json.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "telemetry/logging.hpp"

namespace sluice::cli {
namespace {

void print_text(const plugin_host::PluginRegistry& registry,
                const std::vector<std::string>& warnings) {
  if (registry.plugins().empty()) std::printf("no plugins found\n");
  for (const auto& info : registry.plugins()) {
    std::printf(
        "%-24s %-10s %-8s ABI %-5s %s\n", info.name.c_str(),
        info.kind != 0 ? plugin_host::kind_name(info.kind) : "-",
        info.version.empty() ? "-" : info.version.c_str(),
        info.abi_version != 0 ? plugin_host::abi_version_string(info.abi_version).c_str() : "-",
        plugin_host::load_state_name(info.state));
    if (!info.path.empty()) std::printf("  path    %s\n", info.path.string().c_str());
    if (!info.sha256.empty()) std::printf("  sha256  %s\n", info.sha256.c_str());
    if (!info.description.empty()) std::printf("  about   %s\n", info.description.c_str());
    if (!info.reason.empty()) std::printf("  reason  %s\n", info.reason.c_str());
  }
  for (const auto& warning : warnings) std::printf("warning: %s\n", warning.c_str());
}

}  // namespace

int run_plugins(const PluginsOptions& options) {
  config::Config config;
  if (options.config) {
    try {
      config = config::load_config_file(*options.config);
    } catch (const config::ConfigError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 2;
    }
  }
  config::LoggingConfig logging = config.logging;
  if (!options.verbose) logging.level = "error";  // the listing itself says why files were refused
  try {
    telemetry::configure_logging(logging);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (!options.plugin_dirs.empty()) {
    auto dirs = options.plugin_dirs;
    const auto rest = config.plugins.dirs.empty() ? plugin_host::PluginRegistry::default_dirs()
                                                  : config.plugins.dirs;
    dirs.insert(dirs.end(), rest.begin(), rest.end());
    config.plugins.dirs = dirs;
  }
  plugin_host::PluginRegistry registry;
  registry.load_all(config);

  std::vector<std::string> warnings = registry.warnings();
  for (auto& problem : plugin_host::unresolved_plugin_references(config, registry)) {
    warnings.push_back(std::move(problem));
  }
  if (options.json) {
    nlohmann::json out = {{"plugins", nlohmann::json::array()}, {"warnings", warnings}};
    for (const auto& info : registry.plugins())
      out["plugins"].push_back(plugin_host::plugin_info_json(info));
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    print_text(registry, warnings);
  }
  for (const auto& [name, entry] : config.plugin) {
    if (entry.enabled && !registry.find(name)) return 1;
  }
  return 0;
}

}  // namespace sluice::cli
