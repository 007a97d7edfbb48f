// Turns one [[model]] entry into a ServedModel: maps the GGUF file, picks the backend
// (the model's own, else the first of pipeline.backends that loads it), creates the
// scheduler plugin instance, and starts the model's engine.
#pragma once

#include <memory>
#include <stdexcept>

#include "config/config.hpp"
#include "engine/served_model.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "telemetry/metrics.hpp"

namespace sluice::engine {

class ModelLoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ModelLoadError naming the model and what failed (file, backend, scheduler,
// chat template).
std::shared_ptr<ServedModel> load_served_model(const config::ModelConfig& model,
                                               const config::Config& config,
                                               plugin_host::PluginRegistry& plugins,
                                               telemetry::MetricsRegistry* metrics);

// "F16", "Q4_K_M", ... from general.file_type, else the most common weight type.
std::string file_type_name(const model::GgufFile& file);

}  // namespace sluice::engine
