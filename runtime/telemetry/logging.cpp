#include "telemetry/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <mutex>

#include "telemetry/json_log_formatter.hpp"

namespace sluice::telemetry {
namespace {

std::mutex g_mutex;  // guards logger creation; logging itself is spdlog's thread-safe path

std::unique_ptr<spdlog::formatter> make_formatter(const std::string& format) {
  if (format == "json") return std::make_unique<JsonLogFormatter>();
  return std::make_unique<spdlog::pattern_formatter>("%Y-%m-%dT%H:%M:%S.%fZ %l [%n] %v",
                                                     spdlog::pattern_time_type::utc);
}

}  // namespace

void configure_logging(const config::LoggingConfig& config) {
  std::lock_guard lock(g_mutex);
  spdlog::sink_ptr sink;
  if (config.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file.string());
    } catch (const spdlog::spdlog_ex& e) {
      throw std::runtime_error("cannot open log file " + config.file.string() + ": " + e.what());
    }
  }
  sink->set_formatter(make_formatter(config.format));
  auto logger = std::make_shared<spdlog::logger>("sluice", sink);
  logger->set_level(spdlog::level::from_str(config.level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

std::shared_ptr<spdlog::logger> component_logger(std::string_view name) {
  std::lock_guard lock(g_mutex);
  auto base = spdlog::default_logger();
  auto logger = base->clone(std::string(name));
  return logger;
}

}  // namespace sluice::telemetry
