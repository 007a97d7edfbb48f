// Finds plugin files, loads them as the configuration says, and keeps them by name.
// Control thread only.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "plugin_host/plugin_library.hpp"

namespace sluice::plugin_host {

class PluginRegistry {
 public:
  // The folders searched when the configuration names none: `plugins` next to the
  // executable, then ../lib/sluice/plugins relative to it (an installed layout).
  static std::vector<std::filesystem::path> default_dirs();

  // Loads every plugin the configuration's [plugin.NAME] entries point at (`path`) and
  // every *.so in `dirs` (plugins.dirs, or default_dirs() when that is empty), in that
  // order. The first file for a name wins; later ones are refused as duplicates.
  // A name's file stem is the file name without a leading "lib" and the ".so".
  void load_all(const config::Config& config);

  // Loads one file outside any configuration (tests, tools).
  PluginInfo load_file(const LoadOptions& options);

  // Every file seen, loaded or not, in the order seen; then configured names never found.
  const std::vector<PluginInfo>& plugins() const { return infos_; }
  // Directories that did not exist, and similar notes for the operator.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // A loaded plugin, or null.
  std::shared_ptr<PluginLibrary> find(std::string_view name) const;

  // Drops the registry's reference. The library is finalized and unloaded once the last
  // object made from it is gone; returns false when no such plugin is loaded.
  bool unload(std::string_view name);

 private:
  void consider(const std::filesystem::path& file, const config::Config& config);

  std::vector<PluginInfo> infos_;
  std::vector<std::string> warnings_;
  std::vector<std::shared_ptr<PluginLibrary>> loaded_;
};

// The plugin name a file is known by: "libfoo.so" and "foo.so" are both "foo".
std::string plugin_name_of(const std::filesystem::path& file);

}  // namespace sluice::plugin_host
