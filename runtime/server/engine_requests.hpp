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

// `tenant` (the caller's key's tenant; "" without authentication) becomes the engine's
// tenant_id, which the priority scheduler shares capacity by.
std::vector<engine::Request> make_engine_requests(const GenerationOptions& gen,
                                                  const std::vector<int32_t>& prompt,
                                                  const std::string& request_id,
                                                  const std::string& tenant = {});

// The engine's id of a tenant name: 0 for none, else a stable non-zero hash.
uint64_t tenant_id_of(const std::string& tenant);

}  // namespace sluice::server
