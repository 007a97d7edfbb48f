// Which KV block belongs to which sequence (the memory itself belongs to the backend).
// Fixed-size blocks with reference counts, a least-recently-freed list of free blocks, and
// automatic prefix caching: a full block is known by a hash chain over the tokens of every
// block up to it (parent hash + this block's tokens), so sequences sharing a prompt prefix
// share its blocks and its KV is computed once. Freed blocks keep their contents and stay
// findable until they are reused, least recently freed first.
// Engine thread only (not synchronized).
#pragma once

#include <cstdint>
#include <list>
#include <span>
#include <unordered_map>
#include <vector>

namespace sluice::engine {

class KvBlockManager {
 public:
  KvBlockManager(int32_t n_blocks, int32_t block_size, bool prefix_cache);

  int32_t n_blocks() const { return static_cast<int32_t>(blocks_.size()); }
  int32_t block_size() const { return block_size_; }
  // Blocks with no owner (some of them still hold cached prefix KV).
  int32_t n_free() const { return static_cast<int32_t>(free_.size()); }
  // Free blocks that still hold findable prefix KV.
  int32_t n_cached_free() const { return n_cached_free_; }
  int32_t n_used() const { return n_blocks() - n_free(); }

  // Hashes of the full blocks of `tokens`, each chained to the one before.
  std::vector<uint64_t> chain_hashes(std::span<const int32_t> tokens) const;

  // The longest run of cached blocks matching the first full blocks of `tokens`, leaving at
  // least one token to compute (its logits are needed). Each block returned gains a
  // reference.
  std::vector<int32_t> acquire_prefix(std::span<const int32_t> tokens);
  // How many tokens acquire_prefix would find now, without taking anything.
  int32_t peek_prefix_tokens(std::span<const int32_t> tokens) const;

  // `n` fresh blocks with one reference each, or nothing when fewer than `n` are free.
  bool allocate(int32_t n, std::vector<int32_t>& out);
  // Drops one reference from each; blocks reaching zero become free, the last one first in
  // line for reuse (a sequence's tail is the least likely to be shared).
  void release(std::span<const int32_t> blocks);
  // Makes block `block` (full, holding `tokens` after the chain `parent_hash`) findable and
  // returns its chain hash. When that content is already cached in another block, this
  // one stays unfindable.
  uint64_t register_full_block(int32_t block, uint64_t parent_hash,
                               std::span<const int32_t> tokens);

  int32_t ref_count(int32_t block) const { return blocks_.at(block).refs; }

  static constexpr uint64_t kRootHash = 0x736c75696365ULL;  // parent of the first block

 private:
  struct Block {
    int32_t refs = 0;
    bool cached = false;  // registered in by_hash_
    uint64_t hash = 0;
    std::vector<int32_t> tokens;  // the block's tokens and parent, to rule out collisions
    uint64_t parent = 0;
    std::list<int32_t>::iterator free_pos;
    bool in_free = false;
  };
  uint64_t block_hash(uint64_t parent, std::span<const int32_t> tokens) const;
  int32_t find_cached(uint64_t hash, uint64_t parent, std::span<const int32_t> tokens) const;
  void take_from_free(int32_t block);
  void forget(int32_t block);

  int32_t block_size_;
  bool prefix_cache_;
  std::vector<Block> blocks_;
  std::list<int32_t> free_;  // front: reused first
  std::unordered_map<uint64_t, int32_t> by_hash_;
  int32_t n_cached_free_ = 0;
};

}  // namespace sluice::engine
