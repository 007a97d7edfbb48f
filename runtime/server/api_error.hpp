// Errors a route answers with: an HTTP status, a message naming the field at fault, and
// the shapes each API family expects (OpenAI {"error":{...}}, Ollama {"error":"..."}).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace sluice::server {

// Which error shape a route answers with.
enum class ApiFamily { openai, ollama, plain };

class ApiError : public std::runtime_error {
 public:
  ApiError(unsigned status, const std::string& message, std::string param = {});

  unsigned status() const { return status_; }
  // The request field at fault ("temperature", "options.num_predict"); empty if none.
  const std::string& param() const { return param_; }
  // OpenAI's error type for the status: invalid_request_error, not_found_error, ...
  const char* type() const;
  // Seconds for a Retry-After header; 0: none.
  uint32_t retry_after_s() const { return retry_after_s_; }
  ApiError& with_retry_after(uint32_t seconds);

 private:
  unsigned status_;
  std::string param_;
  uint32_t retry_after_s_ = 0;
};

// 400 with "<field>: <what is wrong>".
ApiError bad_field(const std::string& field, const std::string& what);
// 404 naming the model.
ApiError model_not_found(const std::string& model);

// {"error": {"message", "type", "param", "code"}} (OpenAI, vLLM, llama-server).
nlohmann::json openai_error_body(const ApiError& error);
// {"error": "message"} (Ollama).
nlohmann::json ollama_error_body(const ApiError& error);
nlohmann::json error_body(ApiFamily family, const ApiError& error);

}  // namespace sluice::server
