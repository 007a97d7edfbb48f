#include "server/access_log.hpp"

#include <cmath>

#include "server/json_util.hpp"

namespace sluice::server {
namespace {

double round_ms(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

}  // namespace

std::string format_access_record(const AccessRecord& r) {
  Json line = {{"request_id", r.request_id},
               {"method", r.method},
               {"route", r.route},
               {"path", r.path},
               {"model", r.model},
               {"tenant", r.tenant},
               {"remote", r.remote},
               {"status", r.status},
               {"prompt_tokens", r.prompt_tokens},
               {"generated_tokens", r.generated_tokens},
               {"queue_ms", round_ms(r.queue_ms)},
               {"prompt_ms", round_ms(r.prompt_ms)},
               {"generation_ms", round_ms(r.generation_ms)},
               {"ttft_ms", round_ms(r.ttft_ms)},
               {"total_ms", round_ms(r.total_ms)},
               {"finish_reason", r.finish_reason},
               {"client_gone", r.client_gone}};
  return dump_json(line);
}

void write_access_log(spdlog::logger& logger, const AccessRecord& record) {
  logger.info("{}", format_access_record(record));
}

}  // namespace sluice::server
