// The OpenAI-compatible routes: POST /v1/chat/completions, POST /v1/completions,
// GET /v1/models.
#pragma once

#include "server/router.hpp"

namespace sluice::server {

void add_openai_routes(Router& router);

}  // namespace sluice::server
