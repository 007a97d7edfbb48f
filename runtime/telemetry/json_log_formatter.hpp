// spdlog formatter writing one JSON object per line, for log shippers:
// {"time":"2026-11-27T21:30:00.123456Z","level":"info","logger":"sluice","msg":"..."}
#pragma once

#include <spdlog/formatter.h>
#include <memory>

namespace sluice::telemetry {

class JsonLogFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
  std::unique_ptr<spdlog::formatter> clone() const override;
};

}  // namespace sluice::telemetry
