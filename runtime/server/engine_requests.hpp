// From validated generation options and prompt ids to the engine requests of each
// choice: choice i samples with seed + i, so n > 1 gives different (and reproducible)
// choices.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/request.hpp"
#include "server/request_parse.hpp"

namespace sluice::server {

std::vector<engine::Request> make_engine_requests(const GenerationOptions& gen,
                                                  const std::vector<int32_t>& prompt,
                                                  const std::string& request_id);

}  // namespace sluice::server
