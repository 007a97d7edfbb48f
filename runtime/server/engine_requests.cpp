#include "server/engine_requests.hpp"

#include <random>

namespace sluice::server {

uint64_t tenant_id_of(const std::string& tenant) {
  if (tenant.empty()) return 0;
  // FNV-1a: the same id in every process, so logs and schedulers agree across restarts.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : tenant) h = (h ^ c) * 1099511628211ull;
  return h == 0 ? 1 : h;
}

std::vector<engine::Request> make_engine_requests(const GenerationOptions& gen,
                                                  const std::vector<int32_t>& prompt,
                                                  const std::string& request_id,
                                                  const std::string& tenant) {
  uint64_t seed = 0;
  if (gen.seed) {
    seed = *gen.seed;
  } else {
    std::random_device device;
    seed = (static_cast<uint64_t>(device()) << 32) ^ device();
  }
  std::vector<engine::Request> requests;
  requests.reserve(gen.n);
  for (uint32_t i = 0; i < gen.n; ++i) {
    engine::Request r;
    r.id = gen.n == 1 ? request_id : request_id + "/" + std::to_string(i);
    r.prompt = prompt;
    r.max_tokens = gen.max_tokens;
    r.sampling = gen.sampling;
    r.sampling.seed = seed + i;
    r.stop = gen.stop;
    r.ignore_eos = gen.ignore_eos;
    r.logprobs = gen.logprobs;
    r.priority = gen.priority;
    r.tenant_id = tenant_id_of(tenant);
    requests.push_back(std::move(r));
  }
  return requests;
}

}  // namespace sluice::server
