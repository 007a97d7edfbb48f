#include <catch2/catch.hpp>
#include <numeric>

#include "engine/kv_block_manager.hpp"

using sluice::engine::KvBlockManager;

namespace {

std::vector<int32_t> iota_tokens(int32_t n, int32_t first = 100) {
  std::vector<int32_t> t(static_cast<size_t>(n));
  std::iota(t.begin(), t.end(), first);
  return t;
}

// Computes and registers every full block of `tokens` held in `blocks`, as the engine does.
void register_all(KvBlockManager& m, const std::vector<int32_t>& blocks,
                  const std::vector<int32_t>& tokens) {
  uint64_t parent = KvBlockManager::kRootHash;
  for (size_t i = 0; (i + 1) * m.block_size() <= tokens.size() && i < blocks.size(); ++i) {
    parent = m.register_full_block(blocks[i], parent,
                                   std::span(tokens).subspan(i * m.block_size(), m.block_size()));
  }
}

}  // namespace

TEST_CASE("blocks are reference counted and return to the free list", "[kv]") {
  KvBlockManager m(8, 4, true);
  std::vector<int32_t> a;
  REQUIRE(m.allocate(3, a));
  CHECK(m.n_free() == 5);
  CHECK(m.n_used() == 3);
  std::vector<int32_t> too_many;
  CHECK_FALSE(m.allocate(6, too_many));
  CHECK(too_many.empty());
  m.release(a);
  CHECK(m.n_free() == 8);
  CHECK_THROWS(m.release(a));  // double release is a bug, caught
}

TEST_CASE("a shared prompt prefix is found and shared by reference", "[kv]") {
  KvBlockManager m(16, 4, true);
  const auto prompt = iota_tokens(10);  // 2 full blocks + 2 tokens
  std::vector<int32_t> first;
  REQUIRE(m.allocate(3, first));
  register_all(m, first, prompt);

  // Same prefix, different tail: both full blocks are hits.
  auto second_prompt = prompt;
  second_prompt[9] = 7;
  CHECK(m.peek_prefix_tokens(second_prompt) == 8);
  const auto hit = m.acquire_prefix(second_prompt);
  REQUIRE(hit.size() == 2);
  CHECK(hit[0] == first[0]);
  CHECK(hit[1] == first[1]);
  CHECK(m.ref_count(first[0]) == 2);

  // A prompt differing in the first block finds nothing (hash chain).
  auto other = prompt;
  other[0] = 1;
  CHECK(m.acquire_prefix(other).empty());

  // A prompt that is exactly the cached blocks leaves its last token to compute.
  const std::vector<int32_t> exact(prompt.begin(), prompt.begin() + 8);
  CHECK(m.peek_prefix_tokens(exact) == 4);
}

TEST_CASE("freed prefix blocks stay findable until reused, least recently freed first", "[kv]") {
  KvBlockManager m(4, 2, true);
  const auto p1 = iota_tokens(5, 10);  // blocks: [10 11] [12 13] + 1
  std::vector<int32_t> b1;
  REQUIRE(m.allocate(3, b1));
  register_all(m, b1, p1);
  m.release(b1);
  CHECK(m.n_free() == 4);
  CHECK(m.n_cached_free() == 2);
  CHECK(m.peek_prefix_tokens(p1) == 4);

  // Taking two fresh blocks uses the uncached ones first, so the prefix survives.
  std::vector<int32_t> b2;
  REQUIRE(m.allocate(2, b2));
  CHECK(m.peek_prefix_tokens(p1) == 4);
  // One more must evict: the sequence's tail block goes first, the head survives.
  REQUIRE(m.allocate(1, b2));
  CHECK(m.peek_prefix_tokens(p1) == 2);
  m.release(b2);
}

TEST_CASE("prefix caching can be switched off", "[kv]") {
  KvBlockManager m(8, 2, false);
  const auto p = iota_tokens(5);
  std::vector<int32_t> b;
  REQUIRE(m.allocate(3, b));
  register_all(m, b, p);
  CHECK(m.acquire_prefix(p).empty());
}
