// What one parse or render has spent against TemplateLimits.
#pragma once

#include <cstddef>
#include <string>

#include "chat/chat_template.hpp"

namespace sluice::chat::detail {

class Budget {
 public:
  explicit Budget(const TemplateLimits& limits) : limits_(limits) {}

  const TemplateLimits& limits() const { return limits_; }

  // Evaluation steps; throws TemplateError(budget) past max_steps.
  void charge(std::size_t steps) {
    steps_ += steps;
    if (steps_ > limits_.max_steps) fail_steps();
  }
  // Work proportional to the bytes produced.
  void charge_bytes(std::size_t bytes) { charge(1 + bytes / 64); }
  // Any string made while rendering, before it is allocated.
  void check_string_size(std::size_t bytes) const {
    if (bytes > limits_.max_output_bytes) fail_string_size(bytes);
  }
  void check_data_depth(std::size_t depth) const {
    if (depth > limits_.max_data_depth) fail_data_depth();
  }

 private:
  [[noreturn]] void fail_steps() const;
  [[noreturn]] void fail_string_size(std::size_t bytes) const;
  [[noreturn]] void fail_data_depth() const;

  TemplateLimits limits_;
  std::size_t steps_ = 0;
};

}  // namespace sluice::chat::detail
