// Framing of streamed events: Server-Sent Events for the OpenAI routes, newline-
// delimited JSON for the Ollama routes. Each event is written as one HTTP chunk.
#pragma once

#include <string>

#include "server/json_util.hpp"

namespace sluice::server {

inline constexpr const char* kSseContentType = "text/event-stream";
inline constexpr const char* kNdjsonContentType = "application/x-ndjson";

// "data: {...}\n\n"
inline std::string sse_data(const Json& event) {
  return "data: " + dump_json(event) + "\n\n";
}
inline std::string sse_data(const nlohmann::json& event) {
  return "data: " + dump_json(event) + "\n\n";
}
// The end of an OpenAI stream.
inline std::string sse_done() {
  return "data: [DONE]\n\n";
}
// "{...}\n"
inline std::string ndjson_line(const Json& event) {
  return dump_json(event) + "\n";
}
inline std::string ndjson_line(const nlohmann::json& event) {
  return dump_json(event) + "\n";
}

}  // namespace sluice::server
