// The CPU backend plugin against llama.cpp's reference runs (../shared/fixtures): greedy
// tokens, teacher-forced top-5 logits within a per-type tolerance, batching invariance
// and bad input. The plugin is loaded exactly as in production, through the C ABI.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "engine/model_runner.hpp"
#include "fixture.hpp"
#include "plugin_host/plugin_library.hpp"
#include "test_support.hpp"

using namespace sluice;
using namespace sluice::test;

namespace {

std::shared_ptr<plugin_host::PluginLibrary> load_cpu_backend() {
  return load_plugin(SLUICE_BACKEND_CPU_PLUGIN, "cpu");
}

struct Loaded {
  model::GgufFile file;
  model::ModelDescription desc;
  std::unique_ptr<engine::ModelRunner> runner;
};

std::unique_ptr<Loaded> load(const std::filesystem::path& path,
                             int32_t kv_dtype = SLUICE_DTYPE_F16) {
  auto file = model::GgufFile::open(path);
  auto desc = model::ModelDescription::from_gguf(file);
  auto l = std::unique_ptr<Loaded>(new Loaded{std::move(file), desc, nullptr});
  engine::RunnerOptions options;
  options.threads = 2;
  options.n_ctx = 256;
  options.n_blocks = 64;  // room for several sequences at once
  options.kv_dtype = kv_dtype;
  l->runner = std::make_unique<engine::ModelRunner>(load_cpu_backend(), l->file, l->desc, options);
  return l;
}

std::vector<int32_t> blocks_for(size_t tokens, uint32_t block_size, int32_t first = 0) {
  std::vector<int32_t> b;
  for (size_t i = 0; i * block_size < tokens; ++i) b.push_back(first + static_cast<int32_t>(i));
  return b;
}

int32_t argmax(const float* logits, int32_t n) {
  return static_cast<int32_t>(std::max_element(logits, logits + n) - logits);
}

// Teacher forcing: prompt + every generated token but the last in one pass; step i's
// logits are row (prompt - 1 + i). Returns the largest |ours - reference| / scale over
// every reference top-5 entry (scale: the step's top logit), and counts top-1
// disagreements where the reference margin is clear.
struct Comparison {
  double worst = 0;
  int top1_checked = 0;
  int top1_mismatches = 0;
};

// A step's reference top-1 is "clear" when it leads the second by more than twice the
// tolerance: then no error within tolerance could reorder them.
Comparison compare(engine::ModelRunner& runner, const Fixture& f, double tolerance) {
  engine::SeqSlice s;
  s.tokens = f.prompt_tokens;
  for (size_t i = 0; i + 1 < f.steps.size(); ++i) s.tokens.push_back(f.steps[i].token);
  s.blocks = blocks_for(s.tokens.size(), runner.block_size());
  s.all_logits = true;
  const auto logits = runner.run({s});
  const int32_t n_vocab = runner.n_vocab();
  Comparison c;
  for (size_t i = 0; i < f.steps.size(); ++i) {
    const float* row =
        logits.data() + (f.prompt_tokens.size() - 1 + i) * static_cast<size_t>(n_vocab);
    // Relative to the step's largest logit: the logits' own scale. (Relative to each
    // entry would divide by logits near zero, where any rounding looks enormous.)
    const double scale = std::max(1.0, std::abs(static_cast<double>(f.steps[i].top[0].second)));
    for (const auto& [id, ref] : f.steps[i].top)
      c.worst = std::max(c.worst, std::abs(row[id] - ref) / scale);
    const auto& top = f.steps[i].top;
    if (top.size() >= 2 && top[0].second - top[1].second > 2 * tolerance * scale) {
      ++c.top1_checked;
      c.top1_mismatches += argmax(row, n_vocab) != top[0].first;
    }
  }
  return c;
}

}  // namespace

TEST_CASE("stories260K: greedy decoding reproduces llama.cpp's tokens", "[cpu][fixtures]") {
  const auto model = shared_file("models/stories260K.gguf");
  const auto fixtures = shared_file("fixtures/stories260K.greedy.jsonl");
  if (model.empty() || fixtures.empty()) return;
  auto l = load(model);
  int32_t seq = 0;
  for (const auto& f : load_fixtures(fixtures)) {
    INFO(f.prompt);
    // Prefill, then one token per step, as the engine will do.
    engine::SeqSlice s;
    s.seq_id = static_cast<uint64_t>(seq++);
    s.tokens = f.prompt_tokens;
    s.blocks = blocks_for(f.prompt_tokens.size() + f.steps.size(), l->runner->block_size());
    std::vector<int32_t> generated;
    for (size_t i = 0; i < f.steps.size(); ++i) {
      const auto logits = l->runner->run({s});
      const int32_t next = argmax(logits.data(), l->runner->n_vocab());
      generated.push_back(next);
      s.n_past += static_cast<int32_t>(s.tokens.size());
      s.tokens = {next};
    }
    std::vector<int32_t> expected;
    for (const auto& step : f.steps) expected.push_back(step.token);
    CHECK(generated == expected);
  }
}

TEST_CASE("stories260K: teacher-forced top-5 logits within 1e-3 relative", "[cpu][fixtures]") {
  const auto model = shared_file("models/stories260K.gguf");
  const auto fixtures = shared_file("fixtures/stories260K.greedy.jsonl");
  if (model.empty() || fixtures.empty()) return;
  auto l = load(model);
  for (const auto& f : load_fixtures(fixtures)) {
    INFO(f.prompt);
    const auto c = compare(*l->runner, f, 1e-3);
    CHECK(c.worst < 1e-3);
    CHECK(c.top1_mismatches == 0);
  }
}

TEST_CASE("tiny models of every weight type: teacher-forced logits within per-type tolerance",
          "[cpu][fixtures]") {
  // Tolerance relative to each step's top logit. F32 keeps 1e-3, as stories260K. F16
  // and BF16 weights: llama.cpp rounds the activations to the weight's type for its dot
  // products (F16: 11-bit mantissa, ~5e-4 relative per product; BF16: 8 bits, ~4e-3)
  // where we keep them F32, so 2e-3 and 8e-3. Quantized types: both sides quantize
  // activations to 8 bits per block and agree exactly for the first steps (checked:
  // tiny-q8_0 matches to 1e-5 for 6 steps), but where one activation lands on the
  // other side of a rounding boundary (llama.cpp's repacked kernels sum in another
  // order) the value moves by one level, 1/127 of its block's range. These random-weight
  // models amplify such perturbations: switching our KV cache from F16 to F32 alone moves
  // their logits by up to 2% of the top logit. So quantized types get 3e-2.
  struct Case {
    const char* model;
    double tolerance;
  };
  const Case cases[] = {
      {"tiny-f32", 1e-3},  {"tiny-f16", 2e-3},       {"tiny-bf16", 8e-3},
      {"tiny-q8_0", 3e-2}, {"tiny-q4_0", 3e-2},      {"tiny-q4_1", 3e-2},
      {"tiny-q5_0", 3e-2}, {"tiny-q4_k_m", 3e-2},    {"tiny-q5_k_m", 3e-2},
      {"tiny-q6_k", 3e-2}, {"tiny-qwen2-f32", 1e-3}, {"tiny-qwen2-q8_0", 3e-2},
  };
  for (const Case& c : cases) {
    INFO(c.model);
    const auto model = shared_file(std::string("models/") + c.model + ".gguf");
    const auto fixtures = shared_file(std::string("fixtures/") + c.model + ".greedy.jsonl");
    if (model.empty() || fixtures.empty()) continue;
    auto l = load(model);
    for (const auto& f : load_fixtures(fixtures)) {
      const auto r = compare(*l->runner, f, c.tolerance);
      std::printf("%s: worst %.2e, top-1 checked %d, mismatches %d\n", c.model, r.worst,
                  r.top1_checked, r.top1_mismatches);
      CHECK(r.worst < c.tolerance);
      CHECK(r.top1_mismatches == 0);
    }
  }
}

TEST_CASE("batching invariance: prompts decoded together give the tokens they give alone",
          "[cpu][fixtures]") {
  const auto model = shared_file("models/stories260K.gguf");
  const auto fixtures_path = shared_file("fixtures/stories260K.greedy.jsonl");
  if (model.empty() || fixtures_path.empty()) return;
  auto l = load(model);
  const auto fixtures = load_fixtures(fixtures_path);
  // Every sequence gets its own blocks; all run in every step: the first step is a
  // ragged batch of whole prompts, then one token per sequence.
  const uint32_t bs = l->runner->block_size();
  std::vector<engine::SeqSlice> seqs;
  int32_t next_block = 0;
  for (size_t i = 0; i < fixtures.size(); ++i) {
    engine::SeqSlice s;
    s.seq_id = i;
    s.tokens = fixtures[i].prompt_tokens;
    s.blocks =
        blocks_for(fixtures[i].prompt_tokens.size() + fixtures[i].steps.size(), bs, next_block);
    next_block += static_cast<int32_t>(s.blocks.size());
    seqs.push_back(s);
  }
  std::vector<std::vector<int32_t>> generated(fixtures.size());
  for (size_t step = 0; step < fixtures[0].steps.size(); ++step) {
    const auto logits = l->runner->run(seqs);
    for (size_t i = 0; i < seqs.size(); ++i) {
      const int32_t next = argmax(logits.data() + i * static_cast<size_t>(l->runner->n_vocab()),
                                  l->runner->n_vocab());
      generated[i].push_back(next);
      seqs[i].n_past += static_cast<int32_t>(seqs[i].tokens.size());
      seqs[i].tokens = {next};
    }
  }
  for (size_t i = 0; i < fixtures.size(); ++i) {
    INFO(fixtures[i].prompt);
    std::vector<int32_t> expected;
    for (const auto& step : fixtures[i].steps) expected.push_back(step.token);
    CHECK(generated[i] == expected);
  }
}

TEST_CASE("bad input is a clear error, not a crash", "[cpu]") {
  const auto model = shared_file("models/stories260K.gguf");
  if (model.empty()) return;
  auto l = load(model);
  auto error_of = [&](const engine::SeqSlice& s) -> std::string {
    try {
      l->runner->run({s});
    } catch (const engine::RunnerError& e) {
      CHECK(e.status() == SLUICE_ERR_INVALID_ARG);
      return e.what();
    }
    return "no error";
  };
  engine::SeqSlice too_long;
  too_long.tokens.assign(300, 1);  // the runner's context is 256
  too_long.blocks = blocks_for(300, l->runner->block_size());
  CHECK_THAT(error_of(too_long), Catch::Contains("needs 300 positions, the context holds 256"));

  engine::SeqSlice bad_token;
  bad_token.tokens = {1, 99999};
  bad_token.blocks = {0};
  CHECK_THAT(error_of(bad_token),
             Catch::Contains("token id 99999 is outside the vocabulary of 512"));

  engine::SeqSlice bad_block;
  bad_block.tokens = {1, 2};
  bad_block.blocks = {100000};
  CHECK_THAT(error_of(bad_block), Catch::Contains("outside the KV pool"));

  engine::SeqSlice no_blocks;
  no_blocks.tokens = {1, 2};
  CHECK_THAT(error_of(no_blocks), Catch::Contains("block table does not cover"));

  // After all that, the runner still works.
  engine::SeqSlice ok;
  ok.tokens = {1, 403};
  ok.blocks = {0};
  CHECK(l->runner->run({ok}).size() == 512);
}
