// Logging as configured from [logging]: JSON lines that parse, levels that filter.
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "telemetry/logging.hpp"
#include "test_support.hpp"

namespace {

std::vector<std::string> read_lines(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("JSON log lines carry time, level, logger and message", "[logging]") {
  sluice::test::ScratchDir dir;
  auto previous = spdlog::default_logger();
  sluice::config::LoggingConfig config;
  config.format = "json";
  config.level = "info";
  config.file = dir.path() / "sluice.log";
  sluice::telemetry::configure_logging(config);
  spdlog::debug("filtered out");
  spdlog::info("quote \" and newline \n and bad utf-8 \xff end");
  sluice::telemetry::component_logger("my-plugin")->warn("from a plugin");
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);

  const auto lines = read_lines(dir.path() / "sluice.log");
  REQUIRE(lines.size() == 2);
  const auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["level"] == "info");
  CHECK(first["logger"] == "sluice");
  CHECK(first["msg"] == "quote \" and newline \n and bad utf-8 \xEF\xBF\xBD end");
  const std::string time = first["time"];
  CHECK(time.size() == 27);  // 2026-11-27T21:30:00.123456Z
  CHECK(time.back() == 'Z');
  const auto second = nlohmann::json::parse(lines[1]);
  CHECK(second["level"] == "warning");
  CHECK(second["logger"] == "my-plugin");
}

TEST_CASE("text logs honour the level", "[logging]") {
  sluice::test::ScratchDir dir;
  auto previous = spdlog::default_logger();
  sluice::config::LoggingConfig config;
  config.level = "warn";
  config.file = dir.path() / "text.log";
  sluice::telemetry::configure_logging(config);
  spdlog::info("not written");
  spdlog::error("written");
  spdlog::default_logger()->flush();
  spdlog::set_default_logger(previous);
  const auto lines = read_lines(dir.path() / "text.log");
  REQUIRE(lines.size() == 1);
  CHECK_THAT(lines[0], Catch::Contains("error [sluice] written"));
}

TEST_CASE("an unwritable log file is an error, not a crash", "[logging]") {
  sluice::config::LoggingConfig config;
  config.file = "/proc/definitely/not/writable.log";
  CHECK_THROWS_WITH(sluice::telemetry::configure_logging(config),
                    Catch::Contains("cannot open log file /proc/definitely/not/writable.log"));
}
