// audit_writer: loads the audit plugin through the host and runs requests through it
// from several threads, for the kill -9 test (crash_test.sh) and for timing the audit's
// cost per request.
//
//   audit_writer PLUGIN LOG [--threads N] [--requests N (per thread; 0: until killed)]
//                [--content hash|text|none] [--fsync interval|every_line|none]
//                [--response-bytes N] [--big-every K] [--big-bytes N]
//
// Prints "ready" once the instance exists and, at the end, the mean and p99 time one
// request spends in the audit (stream_open .. stream_close), in microseconds.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "audit_client.hpp"

using namespace sluice;
using namespace sluice::test::audit;

namespace {

struct Options {
  std::string plugin, log;
  int threads = 4;
  long requests = 0;
  std::string content = "hash", fsync = "interval";
  size_t response_bytes = 2000;
  int big_every = 0;
  size_t big_bytes = 4 << 20;
};

int usage() {
  std::fprintf(stderr,
               "usage: audit_writer PLUGIN LOG [--threads N] [--requests N] [--content C] "
               "[--fsync F] [--response-bytes N] [--big-every K] [--big-bytes N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  Options o;
  o.plugin = argv[1];
  o.log = argv[2];
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--threads")
      o.threads = std::stoi(value);
    else if (flag == "--requests")
      o.requests = std::stol(value);
    else if (flag == "--content")
      o.content = value;
    else if (flag == "--fsync")
      o.fsync = value;
    else if (flag == "--response-bytes")
      o.response_bytes = std::stoul(value);
    else if (flag == "--big-every")
      o.big_every = std::stoi(value);
    else if (flag == "--big-bytes")
      o.big_bytes = std::stoul(value);
    else
      return usage();
  }

  plugin_host::LoadOptions load;
  load.path = o.plugin;
  load.name = "audit";
  auto outcome = plugin_host::PluginLibrary::load(load);
  if (!outcome.library) {
    std::fprintf(stderr, "audit_writer: %s\n", outcome.info.reason.c_str());
    return 1;
  }
  const nlohmann::json config = {{"path", o.log}, {"content", o.content}, {"fsync", o.fsync}};
  AuditInstance audit(outcome.library, config.dump());
  if (!audit) {
    std::fprintf(stderr, "audit_writer: %s\n", audit.result().message.c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);

  const std::string prompt(1500, 'p');
  const std::string response(o.response_bytes, 'r');
  const std::string big(o.big_bytes, 'b');
  std::atomic<int> failures{0};
  std::vector<std::vector<double>> micros(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.threads; ++t) {
    threads.emplace_back([&, t] {
      for (long i = 0; o.requests == 0 || i < o.requests; ++i) {
        TestRequest r;
        r.request_id = "w" + std::to_string(t) + "-" + std::to_string(i);
        r.messages = {{"system", "You are a helpful assistant."}, {"user", prompt}};
        const bool is_big = o.big_every > 0 && i % o.big_every == o.big_every - 1;
        r.response = is_big ? big : response;
        r.prompt_tokens = 400;
        r.completion_tokens = 500;
        if (i % 5 == 0)
          r.decisions = {{"pii", SLUICE_GUARD_STAGE_OUTPUT, SLUICE_GUARD_REDACT, "email"}};
        const auto start = std::chrono::steady_clock::now();
        if (!audit.run(r).ok()) failures.fetch_add(1);
        micros[static_cast<size_t>(t)].push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                .count());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  audit.destroy();

  std::vector<double> all;
  for (const auto& m : micros) all.insert(all.end(), m.begin(), m.end());
  std::sort(all.begin(), all.end());
  double sum = 0;
  for (double v : all) sum += v;
  if (!all.empty()) {
    std::printf("requests %zu  mean %.2f us  p50 %.2f us  p99 %.2f us  max %.2f us\n", all.size(),
                sum / static_cast<double>(all.size()), all[all.size() / 2],
                all[std::min(all.size() - 1, all.size() * 99 / 100)], all.back());
  }
  if (failures.load() != 0) {
    std::fprintf(stderr, "audit_writer: %d requests failed\n", failures.load());
    return 1;
  }
  return 0;
}
