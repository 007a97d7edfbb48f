#include "tokenizer/tokenizer_error.hpp"

#include <utility>

namespace sluice::tokenizer {

TokenizerError::TokenizerError(std::string key, const std::string& message)
    : std::runtime_error(key.empty() ? message : key + ": " + message), key_(std::move(key)) {}

}  // namespace sluice::tokenizer
