// Runs a compiled graph's steps over one ragged batch, every intermediate result at its
// planned place in the graph's arena.
#pragma once

#include "cpu_graph.hpp"

namespace sluice::cpu {

// Throws InvalidBatch for bad batch contents and std::exception for anything else; the
// plugin edge turns both into a status.
void execute_graph(sluice_backend_graph& graph, sluice_backend_kv& kv, const sluice_batch& batch,
                   sluice_batch_output& out, const sluice_host_api* host);

// Checks a graph once at compile time: known ops, sources before use, weight indexes in
// range, supported weight types. Returns an empty string or the first problem.
std::string check_graph(const sluice_backend_model& model, const sluice_graph& graph);

}  // namespace sluice::cpu
