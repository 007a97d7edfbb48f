#include "plugin_host/plugin_info_json.hpp"

#include "plugin_host/descriptor_check.hpp"

namespace sluice::plugin_host {

nlohmann::json plugin_info_json(const PluginInfo& info) {
  nlohmann::json j = {
      {"name", info.name},
      {"path", info.path.string()},
      {"sha256", info.sha256},
      {"status", load_state_name(info.state)},
  };
  if (!info.reason.empty()) j["reason"] = info.reason;
  if (info.kind != 0) {
    j["kind"] = kind_name(info.kind);
    j["version"] = info.version;
    j["license"] = info.license;
    j["description"] = info.description;
  }
  if (info.abi_version != 0) j["abi_version"] = abi_version_string(info.abi_version);
  if (info.probe_score) j["probe_score"] = *info.probe_score;
  return j;
}

}  // namespace sluice::plugin_host
