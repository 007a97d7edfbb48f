// Utility routes: GET /health, GET /ready, GET /metrics, POST /tokenize,
// POST /detokenize, GET / (a liveness string).
#pragma once

#include "server/router.hpp"

namespace sluice::server {

void add_admin_routes(Router& router);

}  // namespace sluice::server
