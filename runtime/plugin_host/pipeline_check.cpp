#include "plugin_host/pipeline_check.hpp"

#include "plugin_host/descriptor_check.hpp"

namespace sluice::plugin_host {

std::vector<std::string> unresolved_plugin_references(const config::Config& config,
                                                      const PluginRegistry& registry) {
  std::vector<std::string> problems;
  auto check = [&](const std::string& where, const std::string& name, int32_t kind) {
    const auto lib = registry.find(name);
    if (lib && lib->kind() == kind) return;
    problems.push_back(where + " names '" + name + "', which is not a loaded " + kind_name(kind) +
                       " plugin" +
                       (lib ? std::string(" (it is a ") + kind_name(lib->kind()) + ")" : ""));
  };
  for (const auto& name : config.pipeline.backends)
    check("pipeline.backends", name, SLUICE_KIND_BACKEND);
  for (const auto& name : config.pipeline.guardrails)
    check("pipeline.guardrails", name, SLUICE_KIND_GUARDRAIL);
  for (const auto& model : config.models) {
    check("model '" + model.name + "' scheduler", model.scheduler, SLUICE_KIND_SCHEDULER);
  }
  return problems;
}

}  // namespace sluice::plugin_host
