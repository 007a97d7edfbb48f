// One JSON line per answered request, through the spdlog logger "access".
#pragma once

#include <spdlog/logger.h>
#include <cstdint>
#include <string>

namespace sluice::server {

struct AccessRecord {
  std::string request_id;
  std::string method;
  std::string route;  // the route's pattern ("/v1/chat/completions"), "-" when none matched
  std::string path;   // as requested, without the query
  std::string model;
  std::string tenant;  // empty until tenants exist
  std::string remote;  // client address
  unsigned status = 0;
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double queue_ms = 0;
  double prompt_ms = 0;
  double generation_ms = 0;
  double ttft_ms = 0;
  double total_ms = 0;        // arrival of the request head to the end of the response
  std::string finish_reason;  // "stop", "length", "cancelled", "error"; empty when none
  bool client_gone = false;   // the client disconnected before the end
};

std::string format_access_record(const AccessRecord& record);
void write_access_log(spdlog::logger& logger, const AccessRecord& record);

}  // namespace sluice::server
