// One request inside the engine: its tokens (prompt, then generated), how many of them
// have KV in its blocks, its sampler and stop state, and its timings.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/request.hpp"
#include "engine/sampler.hpp"
#include "engine/stop_condition.hpp"
#include "sluice/scheduler.h"
#include "tokenizer/streaming_detokenizer.hpp"

namespace sluice::engine {

struct Sequence {
  Sequence(uint64_t id, Request request, std::shared_ptr<RequestSink> sink,
           const tokenizer::Tokenizer& tokenizer)
      : id(id),
        request(std::move(request)),
        sink(std::move(sink)),
        tokens(this->request.prompt),
        n_prompt(static_cast<int32_t>(this->request.prompt.size())),
        sampler(this->request.sampling),
        stop(this->request.stop),
        detokenizer(tokenizer) {}

  int32_t n_pending() const { return static_cast<int32_t>(tokens.size()) - n_computed; }
  int32_t n_generated() const { return static_cast<int32_t>(tokens.size()) - n_prompt; }

  uint64_t id;
  Request request;
  std::shared_ptr<RequestSink> sink;
  int32_t state = SLUICE_SEQ_WAITING;
  std::vector<int32_t> tokens;  // prompt, then every generated token but end-of-generation
  int32_t n_prompt;
  int32_t n_computed = 0;             // tokens whose KV is in `blocks`
  std::vector<int32_t> blocks;        // block table
  std::vector<uint64_t> full_hashes;  // chain hash of each full block computed so far
  int32_t n_cached = 0;               // prompt tokens taken from the prefix cache (first time)
  bool ever_scheduled = false;
  Sampler sampler;
  StopCondition stop;
  tokenizer::StreamingDetokenizer detokenizer;
  RequestTimings timings;
  std::chrono::steady_clock::time_point last_token;
};

}  // namespace sluice::engine
