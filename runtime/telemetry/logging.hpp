// Process-wide logging on spdlog, set up from [logging].
#pragma once

#include <spdlog/logger.h>
#include <memory>
#include <string_view>

#include "config/config.hpp"

namespace sluice::telemetry {

// Replaces the default logger ("sluice") with one writing to standard error or to
// `config.file`, as text or JSON lines, at `config.level`. Throws std::runtime_error
// when the log file cannot be opened.
void configure_logging(const config::LoggingConfig& config);

// A logger for one component (e.g. a plugin's name), sharing the default's sinks,
// level and format. Free-threaded.
std::shared_ptr<spdlog::logger> component_logger(std::string_view name);

}  // namespace sluice::telemetry
