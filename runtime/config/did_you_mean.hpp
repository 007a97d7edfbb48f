// Suggestions for misspelt names ("did you mean 'port'?").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::config {

// The candidate closest to `word` by edit distance, if it is close enough to be a
// plausible typo (at most a third of the word's length, and at least 1).
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

}  // namespace sluice::config
