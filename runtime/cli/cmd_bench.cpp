#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "cli/backend_loader.hpp"
#include "cli/commands.hpp"
#include "engine/model_runner.hpp"
#include "model/gguf_file.hpp"
#include "model/model_description.hpp"

namespace sluice::cli {
namespace {

struct Stats {
  double mean = 0, stddev = 0;
};

Stats stats_of(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (double x : v) s.stddev += (x - s.mean) * (x - s.mean);
  s.stddev = v.size() > 1 ? std::sqrt(s.stddev / static_cast<double>(v.size() - 1)) : 0;
  return s;
}

std::vector<int32_t> blocks(size_t tokens, uint32_t block_size) {
  std::vector<int32_t> b;
  for (size_t i = 0; i * block_size < tokens; ++i) b.push_back(static_cast<int32_t>(i));
  return b;
}

}  // namespace

int run_bench(const BenchOptions& options) {
  try {
    plugin_host::PluginRegistry registry;
    auto backend = load_backend(registry, options.backend, "warn");
    if (!backend) return 2;
    const auto file = model::GgufFile::open(options.model);
    // Decoding speed depends on it (model/huge_pages.hpp), so the bench says it.
    std::fprintf(stderr, "sluice bench: %s\n", model::describe(file.prefer_huge_pages()).c_str());
    const auto desc = model::ModelDescription::from_gguf(file);
    engine::RunnerOptions ro;
    ro.threads = options.threads;
    ro.n_ctx = static_cast<uint32_t>(options.n_prompt + options.n_gen + 16);
    engine::ModelRunner runner(backend, file, desc, ro);

    std::mt19937 rng(1);
    std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(desc.n_vocab) - 1);
    std::vector<double> pp, tg;
    using clock = std::chrono::steady_clock;
    for (int rep = -1; rep < options.repetitions; ++rep) {  // rep -1 warms up
      if (options.n_prompt > 0) {
        engine::SeqSlice s;
        for (int i = 0; i < options.n_prompt; ++i) s.tokens.push_back(token(rng));
        s.blocks = blocks(s.tokens.size(), runner.block_size());
        const auto t0 = clock::now();
        runner.run({s});
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        if (rep >= 0) pp.push_back(options.n_prompt / sec);
      }
      if (options.n_gen > 0) {
        // llama-bench's tg: decode one token at a time from an empty context.
        engine::SeqSlice s;
        s.tokens = {token(rng)};
        s.blocks = blocks(static_cast<size_t>(options.n_gen), runner.block_size());
        const auto t0 = clock::now();
        for (int i = 0; i < options.n_gen; ++i) {
          runner.run({s});
          s.n_past += 1;
          s.tokens = {token(rng)};
        }
        const double sec = std::chrono::duration<double>(clock::now() - t0).count();
        if (rep >= 0) tg.push_back(options.n_gen / sec);
      }
    }
    const uint64_t weight_bytes = [&] {
      uint64_t b = 0;
      for (const auto& t : file.tensors()) b += t.size_bytes;
      return b;
    }();
    const Stats p = pp.empty() ? Stats{} : stats_of(pp);
    const Stats g = tg.empty() ? Stats{} : stats_of(tg);
    if (options.json) {
      nlohmann::json j = {{"model", options.model.string()},
                          {"backend", options.backend},
                          {"threads", options.threads},
                          {"weight_bytes", weight_bytes},
                          {"repetitions", options.repetitions}};
      if (!pp.empty())
        j["pp"] = {
            {"n", options.n_prompt}, {"tokens_per_s", p.mean}, {"stddev", p.stddev}, {"runs", pp}};
      if (!tg.empty())
        j["tg"] = {
            {"n", options.n_gen}, {"tokens_per_s", g.mean}, {"stddev", g.stddev}, {"runs", tg}};
      std::printf("%s\n", j.dump(2).c_str());
      return 0;
    }
    std::printf(
        "| model | size | params | backend | threads | test | t/s "
        "|\n|---|---|---|---|---|---|---|\n");
    const std::string size = std::to_string(weight_bytes / 1048576) + " MiB";
    if (!pp.empty()) {
      std::printf("| %s | %s | %llu | %s | %d | pp%d | %.2f ± %.2f |\n",
                  options.model.filename().c_str(), size.c_str(),
                  static_cast<unsigned long long>(desc.n_params), options.backend.c_str(),
                  options.threads, options.n_prompt, p.mean, p.stddev);
    }
    if (!tg.empty()) {
      std::printf("| %s | %s | %llu | %s | %d | tg%d | %.2f ± %.2f |\n",
                  options.model.filename().c_str(), size.c_str(),
                  static_cast<unsigned long long>(desc.n_params), options.backend.c_str(),
                  options.threads, options.n_gen, g.mean, g.stddev);
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace sluice::cli
