// The continuous-batching engine end to end: the CPU backend plugin, the fcfs scheduler
// plugin and stories260K, checked against llama.cpp's greedy tokens in ../shared/fixtures.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <mutex>

#include "engine/engine.hpp"
#include "fixture.hpp"
#include "model/gguf_file.hpp"
#include "model/model_description.hpp"
#include "test_support.hpp"
#include "tokenizer/tokenizer.hpp"

using namespace sluice;
using engine::FinishReason;

namespace {

// Collects what the engine streams for one request.
class CollectingSink : public engine::RequestSink {
 public:
  void on_token(const engine::TokenOutput& t) override {
    std::lock_guard lock(mutex_);
    tokens.push_back(t.token);
    text += t.text;
  }
  void on_finish(const engine::Finish& f) override {
    std::lock_guard lock(mutex_);
    finish = f;
    text += f.text;
    done_ = true;
    cv_.notify_all();
  }
  bool wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return done_; });
  }
  size_t n_tokens() {
    std::lock_guard lock(mutex_);
    return tokens.size();
  }

  std::vector<int32_t> tokens;
  std::string text;
  engine::Finish finish;

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
};

struct Rig {
  model::GgufFile file;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  std::unique_ptr<engine::Engine> engine;
};

std::unique_ptr<Rig> make_rig(const std::filesystem::path& model_path, uint32_t n_blocks,
                              engine::EngineOptions eo = {}, uint32_t n_ctx = 256) {
  auto file = model::GgufFile::open(model_path);
  auto rig = std::unique_ptr<Rig>(new Rig{std::move(file), nullptr, nullptr});
  const auto desc = model::ModelDescription::from_gguf(rig->file);
  rig->tokenizer =
      std::make_shared<const tokenizer::Tokenizer>(tokenizer::Tokenizer::from_gguf(rig->file));
  engine::RunnerOptions ro;
  ro.threads = 2;
  ro.n_ctx = n_ctx;
  ro.n_blocks = n_blocks;
  auto runner = std::make_unique<engine::ModelRunner>(
      test::load_plugin(SLUICE_BACKEND_CPU_PLUGIN, "cpu"), rig->file, desc, ro);
  auto scheduler = std::make_unique<engine::SchedulerClient>(
      test::load_plugin(SLUICE_FCFS_PLUGIN, "fcfs"), "{}");
  if (eo.model_name.empty()) eo.model_name = "stories260K";
  rig->engine = std::make_unique<engine::Engine>(std::move(runner), rig->tokenizer,
                                                 std::move(scheduler), eo, nullptr);
  return rig;
}

engine::Request greedy(const std::vector<int32_t>& prompt, int32_t max_tokens) {
  engine::Request r;
  r.prompt = prompt;
  r.max_tokens = max_tokens;
  r.sampling.temperature = 0.0f;
  r.ignore_eos = true;  // the fixtures run their full length
  return r;
}

std::vector<int32_t> fixture_tokens(const test::Fixture& f, size_t n) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < n && i < f.steps.size(); ++i) out.push_back(f.steps[i].token);
  return out;
}

}  // namespace

TEST_CASE("many requests batched together reproduce llama.cpp's greedy tokens", "[engine]") {
  const auto model = test::shared_file("models/stories260K.gguf");
  const auto fixtures_file = test::shared_file("fixtures/stories260K.greedy.jsonl");
  if (model.empty() || fixtures_file.empty()) return;
  const auto fixtures = test::load_fixtures(fixtures_file);
  engine::EngineOptions eo;
  eo.max_batched_tokens = 24;  // forces chunked prefill next to decodes
  auto rig = make_rig(model, 256, eo);
  const size_t n = 32;
  // Each fixture prompt twice, all in flight at once.
  std::vector<std::shared_ptr<CollectingSink>> sinks;
  std::vector<const test::Fixture*> expected;
  for (int copy = 0; copy < 2; ++copy) {
    for (const auto& f : fixtures) {
      auto sink = std::make_shared<CollectingSink>();
      const auto r = rig->engine->submit(greedy(f.prompt_tokens, n), sink);
      REQUIRE(r.status == engine::SubmitStatus::accepted);
      sinks.push_back(sink);
      expected.push_back(&f);
    }
  }
  for (size_t i = 0; i < sinks.size(); ++i) {
    INFO(expected[i]->prompt);
    REQUIRE(sinks[i]->wait());
    CHECK(sinks[i]->finish.reason == FinishReason::length);
    CHECK(sinks[i]->tokens == fixture_tokens(*expected[i], n));
  }
  CHECK(rig->engine->stats().kv_blocks_used == 0);
}

TEST_CASE("a shared prompt prefix is computed once and served from the prefix cache", "[engine]") {
  const auto model = test::shared_file("models/stories260K.gguf");
  const auto fixtures_file = test::shared_file("fixtures/stories260K.greedy.jsonl");
  if (model.empty() || fixtures_file.empty()) return;
  const auto fixtures = test::load_fixtures(fixtures_file);
  auto rig = make_rig(model, 64);
  const auto& f = fixtures.front();
  // A 40-token prompt: the fixture prompt followed by its own greedy continuation.
  std::vector<int32_t> prompt = f.prompt_tokens;
  for (const auto& step : f.steps) {
    if (prompt.size() >= 40) break;
    prompt.push_back(step.token);
  }
  auto first = std::make_shared<CollectingSink>();
  REQUIRE(rig->engine->submit(greedy(prompt, 4), first).status == engine::SubmitStatus::accepted);
  REQUIRE(first->wait());
  CHECK(first->finish.timings.cached_tokens == 0);

  auto second = std::make_shared<CollectingSink>();
  REQUIRE(rig->engine->submit(greedy(prompt, 4), second).status == engine::SubmitStatus::accepted);
  REQUIRE(second->wait());
  // 40 tokens = 2 full blocks of 16 + 8: both full blocks come from the cache.
  CHECK(second->finish.timings.cached_tokens == 32);
  CHECK(second->tokens == first->tokens);
  // And they continue the fixture exactly.
  const auto expected = fixture_tokens(f, prompt.size() - f.prompt_tokens.size() + 4);
  CHECK(std::vector<int32_t>(expected.end() - 4, expected.end()) == second->tokens);
}

TEST_CASE("a pool too small for the load preempts, recomputes, and still gets it right",
          "[engine]") {
  const auto model = test::shared_file("models/stories260K.gguf");
  const auto fixtures_file = test::shared_file("fixtures/stories260K.greedy.jsonl");
  if (model.empty() || fixtures_file.empty()) return;
  const auto fixtures = test::load_fixtures(fixtures_file);
  engine::EngineOptions eo;
  eo.prefix_cache = false;  // recompute from scratch
  eo.max_preemptions = 100;
  // 10 blocks of 16 tokens; five sequences of up to ~70 tokens need 25.
  auto rig = make_rig(model, 10, eo);
  const size_t n = 60;
  std::vector<std::shared_ptr<CollectingSink>> sinks;
  for (const auto& f : fixtures) {
    auto sink = std::make_shared<CollectingSink>();
    REQUIRE(rig->engine->submit(greedy(f.prompt_tokens, n), sink).status ==
            engine::SubmitStatus::accepted);
    sinks.push_back(sink);
  }
  int32_t preemptions = 0;
  for (size_t i = 0; i < sinks.size(); ++i) {
    INFO(fixtures[i].prompt);
    REQUIRE(sinks[i]->wait());
    CHECK(sinks[i]->finish.reason == FinishReason::length);
    CHECK(sinks[i]->tokens == fixture_tokens(fixtures[i], n));
    preemptions += sinks[i]->finish.timings.preemptions;
  }
  CHECK(preemptions > 0);
  CHECK(rig->engine->stats().kv_blocks_used == 0);
}

TEST_CASE("cancelled requests free their KV blocks within a step", "[engine]") {
  const auto model = test::shared_file("models/stories260K.gguf");
  if (model.empty()) return;
  auto rig = make_rig(model, 64);
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378};
  std::vector<std::pair<uint64_t, std::shared_ptr<CollectingSink>>> live;
  for (int i = 0; i < 8; ++i) {
    auto sink = std::make_shared<CollectingSink>();
    const auto r = rig->engine->submit(greedy(prompt, 200), sink);
    REQUIRE(r.status == engine::SubmitStatus::accepted);
    live.emplace_back(r.seq_id, sink);
  }
  for (auto& [id, sink] : live) rig->engine->cancel(id);
  for (auto& [id, sink] : live) {
    REQUIRE(sink->wait());
    CHECK(sink->finish.reason == FinishReason::cancelled);
    CHECK(sink->n_tokens() < 200);
  }
  REQUIRE(rig->engine->wait_idle(std::chrono::seconds(10)));
  CHECK(rig->engine->stats().kv_blocks_used == 0);
  rig->engine->cancel(12345);  // unknown ids are ignored
}

TEST_CASE("the waiting queue is bounded and bad requests are refused with a reason", "[engine]") {
  const auto model = test::shared_file("models/stories260K.gguf");
  if (model.empty()) return;
  engine::EngineOptions eo;
  eo.max_waiting_requests = 2;
  auto rig = make_rig(model, 64, eo, 64);
  auto sink = std::make_shared<CollectingSink>();

  auto too_long = greedy(std::vector<int32_t>(64, 261), 4);
  const auto r1 = rig->engine->submit(too_long, sink);
  CHECK(r1.status == engine::SubmitStatus::invalid);
  CHECK_THAT(r1.message, Catch::Contains("context holds 64"));

  const auto r2 = rig->engine->submit(greedy({1, 99999}, 4), sink);
  CHECK(r2.status == engine::SubmitStatus::invalid);
  CHECK_THAT(r2.message, Catch::Contains("outside the vocabulary"));

  // Flood: some are refused with queue_full and a Retry-After; the rest all finish.
  std::vector<std::shared_ptr<CollectingSink>> accepted;
  int refused = 0;
  for (int i = 0; i < 40; ++i) {
    auto s = std::make_shared<CollectingSink>();
    const auto r = rig->engine->submit(greedy({1, 403, 407}, 8), s);
    if (r.status == engine::SubmitStatus::queue_full) {
      ++refused;
      CHECK(r.retry_after_s >= 1);
    } else {
      REQUIRE(r.status == engine::SubmitStatus::accepted);
      accepted.push_back(s);
    }
  }
  CHECK(refused > 0);
  for (auto& s : accepted) {
    REQUIRE(s->wait());
    CHECK(s->finish.reason == FinishReason::length);
    CHECK(s->tokens.size() == 8);
  }
}

TEST_CASE("draining: new requests are refused, abort_all fails the rest explicitly", "[engine]") {
  const auto model = test::shared_file("models/stories260K.gguf");
  if (model.empty()) return;
  auto rig = make_rig(model, 64);
  auto running = std::make_shared<CollectingSink>();
  REQUIRE(rig->engine->submit(greedy({1, 403, 407}, 250), running).status ==
          engine::SubmitStatus::accepted);
  rig->engine->stop_accepting();
  auto late = std::make_shared<CollectingSink>();
  CHECK(rig->engine->submit(greedy({1, 403}, 4), late).status ==
        engine::SubmitStatus::shutting_down);
  rig->engine->abort_all("the server is shutting down");
  REQUIRE(running->wait());
  // Either it finished in time or it failed explicitly; never a silent cut.
  if (running->finish.reason == FinishReason::error) {
    CHECK(running->finish.message == "the server is shutting down");
  } else {
    CHECK(running->finish.reason == FinishReason::length);
  }
}
