// The guardrail chain's own cost, in process, through the C ABI as the server calls it:
// per request (check: stream_open + check_request of every guardrail, and complete) and
// per streamed chunk (filter through every output guardrail), on generated text with the
// token sizes an LLM emits. Prints one JSON line with medians over runs.
// Usage: bench_guardrail_chain CONFIG.toml [REQUESTS] [CHUNKS_PER_REQUEST]
// CONFIG.toml names the plugins ([plugins] dirs) and the chain ([pipeline] guardrails).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "config/config_loader.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "server/guardrail_chain.hpp"

using namespace sluice;
using Clock = std::chrono::steady_clock;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// Ordinary assistant prose, cut into 1-6 byte pieces like BPE tokens.
std::vector<std::string> chunks_of_reply(size_t n) {
  static const char* kWords[] = {"The",   "report",   "shows", "that",  "revenue", "grew",
                                 "by",    "twelve",   "per",   "cent",  "in",      "the",
                                 "third", "quarter,", "while", "costs", "stayed",  "flat."};
  std::vector<std::string> out;
  size_t w = 0;
  while (out.size() < n) {
    std::string word = std::string(" ") + kWords[w++ % (sizeof kWords / sizeof *kWords)];
    for (size_t at = 0; at < word.size() && out.size() < n; at += 4)
      out.push_back(word.substr(at, 4));
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CONFIG.toml [REQUESTS] [CHUNKS_PER_REQUEST]\n", argv[0]);
    return 2;
  }
  const int requests = argc > 2 ? std::atoi(argv[2]) : 200;
  const size_t n_chunks = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 256;
  const config::Config cfg = config::load_config_file(argv[1]);
  plugin_host::PluginRegistry plugins;
  plugins.load_all(cfg);
  const auto chain = server::make_guardrail_chain(cfg, plugins);
  const auto chunks = chunks_of_reply(n_chunks);
  std::string prompt =
      "You are a helpful assistant. Summarise the attached quarterly report for the board, "
      "in three short paragraphs, and list the main risks.\n";
  for (int i = 0; i < 8; ++i) prompt += chunks_of_reply(64).front() + " figures and notes. ";

  std::vector<double> check_us, chunk_us, complete_us;
  for (int r = 0; r < requests; ++r) {
    server::GuardInput input;
    input.request_id = "req-" + std::to_string(r);
    input.tenant = "bench";
    input.model = "m";
    input.route = "/v1/chat/completions";
    input.messages = {{"system", "Be brief."}, {"user", prompt}};
    auto t0 = Clock::now();
    auto guard = chain->check(std::move(input));
    auto t1 = Clock::now();
    check_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    std::string response;
    const auto c0 = Clock::now();
    for (size_t i = 0; i < chunks.size(); ++i) {
      const int32_t id = static_cast<int32_t>(i);
      auto out = guard->filter(chunks[i], std::span<const int32_t>(&id, 1), false);
      response += out.text;
    }
    response += guard->filter({}, {}, true).text;
    const auto c1 = Clock::now();
    chunk_us.push_back(std::chrono::duration<double, std::micro>(c1 - c0).count() /
                       static_cast<double>(chunks.size()));
    server::GuardCompletion done;
    done.finish_reason = "stop";
    done.response_text = response;
    done.prompt_tokens = 200;
    done.completion_tokens = static_cast<int32_t>(chunks.size());
    const auto d0 = Clock::now();
    guard->complete(done);
    complete_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - d0).count());
  }
  std::string names;
  for (const auto& g : chain->entries()) names += (names.empty() ? "" : ",") + g->name();
  std::printf(
      "{\"chain\":\"%s\",\"requests\":%d,\"chunks_per_request\":%zu,"
      "\"check_us_p50\":%.1f,\"chunk_us_p50\":%.2f,\"complete_us_p50\":%.1f}\n",
      names.c_str(), requests, chunks.size(), median(check_us), median(chunk_us),
      median(complete_us));
  return 0;
}
