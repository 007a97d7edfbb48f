// The Ollama-compatible routes: POST /api/generate, POST /api/chat, GET /api/tags,
// POST /api/show, GET /api/ps, GET /api/version.
#pragma once

#include "server/router.hpp"

namespace sluice::server {

void add_ollama_routes(Router& router);

// "260K", "1.5B": Ollama's details.parameter_size.
std::string parameter_size_text(uint64_t n_params);

}  // namespace sluice::server
