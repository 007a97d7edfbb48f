#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/backend_loader.hpp"
#include "cli/commands.hpp"
#include "engine/generator.hpp"
#include "model/gguf_file.hpp"
#include "model/model_description.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_error.hpp"

namespace sluice::cli {
namespace {

double ms(uint64_t ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

int run_run(const RunOptions& options) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  try {
    plugin_host::PluginRegistry registry;
    auto backend = load_backend(registry, options.backend, options.verbose ? "info" : "warn");
    if (!backend) return 2;
    const auto file = model::GgufFile::open(options.model);
    file.prefer_huge_pages();
    const auto desc = model::ModelDescription::from_gguf(file);
    const auto tokenizer = tokenizer::Tokenizer::from_gguf(file);
    engine::RunnerOptions ro;
    ro.threads = options.threads;
    ro.n_ctx = static_cast<uint32_t>(options.n_ctx);
    engine::ModelRunner runner(backend, file, desc, ro);
    const uint64_t load_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - start).count());

    engine::GenerateRequest request;
    request.prompt =
        tokenizer.encode(options.prompt, /*add_special=*/true, /*parse_special=*/options.special);
    request.max_tokens = options.n_predict;
    request.sampling.temperature = options.temperature;
    request.sampling.top_k = options.top_k;
    request.sampling.top_p = options.top_p;
    request.sampling.min_p = options.min_p;
    request.sampling.repeat_penalty = options.repeat_penalty;
    request.sampling.seed = options.seed;
    request.stop = options.stop;
    const auto result = engine::generate(runner, tokenizer, request, [&](std::string_view text) {
      if (!options.json) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        std::fflush(stdout);
      }
    });
    const size_t n_gen = result.tokens.size();
    if (options.json) {
      nlohmann::json j;
      j["prompt_tokens"] = request.prompt;
      j["tokens"] = result.tokens;
      j["text"] = result.text;
      j["finish_reason"] = result.finish_reason;
      std::vector<double> per_token;
      for (uint64_t t : result.token_ns) per_token.push_back(ms(t));
      j["timings"] = {{"load_ms", ms(load_ns)},
                      {"prompt_eval_ms", ms(result.prompt_ns)},
                      {"prompt_tokens", request.prompt.size()},
                      {"prompt_tokens_per_s", request.prompt.size() / (ms(result.prompt_ns) / 1e3)},
                      {"eval_ms", ms(result.eval_ns)},
                      {"eval_tokens", n_gen},
                      {"eval_tokens_per_s", n_gen > 0 ? n_gen / (ms(result.eval_ns) / 1e3) : 0.0},
                      {"token_ms", per_token}};
      std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    } else {
      std::printf("\n");
      std::fprintf(stderr,
                   "load %.2f ms | prompt %zu tokens in %.2f ms (%.1f t/s) | generated %zu tokens "
                   "in %.2f ms (%.1f t/s) | %s\n",
                   ms(load_ns), request.prompt.size(), ms(result.prompt_ns),
                   request.prompt.size() / (ms(result.prompt_ns) / 1e3), n_gen, ms(result.eval_ns),
                   n_gen > 0 ? n_gen / (ms(result.eval_ns) / 1e3) : 0.0,
                   result.finish_reason.c_str());
    }
    return 0;
  } catch (const engine::RunnerError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const model::GgufError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const tokenizer::TokenizerError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace sluice::cli
