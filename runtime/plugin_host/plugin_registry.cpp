#include "plugin_host/plugin_registry.hpp"

#include <algorithm>
#include <boost/dll/runtime_symbol_info.hpp>

#include "config/config_loader.hpp"

namespace sluice::plugin_host {

std::string plugin_name_of(const std::filesystem::path& file) {
  std::string name = file.filename().string();
  if (name.size() > 3 && name.ends_with(".so")) name.resize(name.size() - 3);
  if (name.size() > 3 && name.starts_with("lib")) name.erase(0, 3);
  return name;
}

std::vector<std::filesystem::path> PluginRegistry::default_dirs() {
  const std::filesystem::path exe_dir(boost::dll::program_location().parent_path().string());
  return {exe_dir / "plugins", (exe_dir / ".." / "lib" / "sluice" / "plugins").lexically_normal()};
}

PluginInfo PluginRegistry::load_file(const LoadOptions& options) {
  const std::string duplicate_of = [&] {
    for (const auto& info : infos_) {
      if (info.name == options.name && info.state != LoadState::missing) return info.path.string();
    }
    return std::string();
  }();
  PluginInfo info;
  if (!duplicate_of.empty()) {
    info.path = options.path;
    info.name = options.name;
    info.state = LoadState::refused;
    info.reason =
        "duplicate: a plugin named '" + options.name + "' was already found at " + duplicate_of;
  } else {
    PluginLibrary::Outcome outcome = PluginLibrary::load(options);
    if (outcome.library) loaded_.push_back(std::move(outcome.library));
    info = std::move(outcome.info);
  }
  infos_.push_back(info);
  return info;
}

void PluginRegistry::consider(const std::filesystem::path& file, const config::Config& config) {
  LoadOptions options;
  options.path = file;
  options.name = plugin_name_of(file);
  options.require_sha256 = config.plugins.require_sha256;
  if (!config::is_valid_plugin_name(options.name)) {
    PluginInfo info;
    info.path = file;
    info.name = options.name;
    info.reason = "file name '" + options.name + "' is not a plugin name ([a-z0-9][a-z0-9_-]*)";
    infos_.push_back(std::move(info));
    return;
  }
  if (auto it = config.plugin.find(options.name); it != config.plugin.end()) {
    const config::PluginEntry& entry = it->second;
    if (!entry.enabled) {
      PluginInfo info;
      info.path = file;
      info.name = options.name;
      info.state = LoadState::disabled;
      info.reason = "plugin." + entry.name + ".enabled is false";
      infos_.push_back(std::move(info));
      return;
    }
    options.sha256 = entry.sha256;
    options.config_json = entry.config_json;
  }
  load_file(options);
}

void PluginRegistry::load_all(const config::Config& config) {
  for (const auto& [name, entry] : config.plugin) {
    if (entry.path) consider(*entry.path, config);
  }
  const auto defaults = default_dirs();
  const auto dirs = config.plugins.dirs.empty() ? defaults : config.plugins.dirs;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      // Default folders exist only in some layouts (build tree, install); say nothing of them.
      if (std::find(defaults.begin(), defaults.end(), dir) == defaults.end()) {
        warnings_.push_back("plugin folder " + dir.string() + " does not exist");
      }
      continue;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
      if (item.path().extension() == ".so") files.push_back(item.path());
    }
    if (ec) warnings_.push_back("cannot list plugin folder " + dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) consider(file, config);
  }
  for (const auto& [name, entry] : config.plugin) {
    const bool seen = std::any_of(infos_.begin(), infos_.end(),
                                  [&](const PluginInfo& i) { return i.name == name; });
    if (seen) continue;
    PluginInfo info;
    info.name = name;
    info.path = entry.path.value_or(std::filesystem::path());
    info.state = entry.enabled ? LoadState::missing : LoadState::disabled;
    info.reason = entry.enabled ? "configured at " + entry.pos.file.string() + ":" +
                                      std::to_string(entry.pos.line) + " but no file was found"
                                : "plugin." + name + ".enabled is false";
    infos_.push_back(std::move(info));
  }
}

std::shared_ptr<PluginLibrary> PluginRegistry::find(std::string_view name) const {
  for (const auto& lib : loaded_) {
    if (lib->name() == name) return lib;
  }
  return nullptr;
}

bool PluginRegistry::unload(std::string_view name) {
  auto it = std::find_if(loaded_.begin(), loaded_.end(),
                         [&](const auto& lib) { return lib->name() == name; });
  if (it == loaded_.end()) return false;
  loaded_.erase(it);
  for (auto& info : infos_) {
    if (info.name == name && info.state == LoadState::loaded) {
      info.state = LoadState::unloaded;
      info.reason = "unloaded on request";
    }
  }
  return true;
}

}  // namespace sluice::plugin_host
