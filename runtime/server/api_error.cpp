#include "server/api_error.hpp"

namespace sluice::server {

ApiError::ApiError(unsigned status, const std::string& message, std::string param)
    : std::runtime_error(message), status_(status), param_(std::move(param)) {}

const char* ApiError::type() const {
  switch (status_) {
    case 400: return "invalid_request_error";
    case 401: return "authentication_error";
    case 404: return "not_found_error";
    case 405: return "invalid_request_error";
    case 413: return "invalid_request_error";
    case 431: return "invalid_request_error";
    case 503: return "unavailable_error";
    default: return status_ < 500 ? "invalid_request_error" : "server_error";
  }
}

ApiError& ApiError::with_retry_after(uint32_t seconds) {
  retry_after_s_ = seconds;
  return *this;
}

ApiError bad_field(const std::string& field, const std::string& what) {
  return ApiError(400, field + ": " + what, field);
}

ApiError model_not_found(const std::string& model) {
  return ApiError(404, "model '" + model + "' not found", "model");
}

nlohmann::json openai_error_body(const ApiError& error) {
  nlohmann::json inner = {
      {"message", error.what()},
      {"type", error.type()},
      {"param", error.param().empty() ? nlohmann::json() : nlohmann::json(error.param())},
      {"code", error.status()}};
  return {{"error", std::move(inner)}};
}

nlohmann::json ollama_error_body(const ApiError& error) {
  return {{"error", error.what()}};
}

nlohmann::json error_body(ApiFamily family, const ApiError& error) {
  return family == ApiFamily::ollama ? ollama_error_body(error) : openai_error_body(error);
}

}  // namespace sluice::server
