// A complete (non-streamed) HTTP response as routes build it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "server/api_error.hpp"
#include "server/json_util.hpp"

namespace sluice::server {

struct Response {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

inline Response json_response(const Json& body, unsigned status = 200) {
  return {status, "application/json", dump_json(body), {}};
}

inline Response json_response(const nlohmann::json& body, unsigned status = 200) {
  return {status, "application/json", dump_json(body), {}};
}

// The error in the family's shape, with Retry-After when the error carries one.
inline Response error_response(ApiFamily family, const ApiError& error) {
  Response r = json_response(error_body(family, error), error.status());
  if (error.retry_after_s() > 0)
    r.headers.emplace_back("Retry-After", std::to_string(error.retry_after_s()));
  return r;
}

}  // namespace sluice::server
