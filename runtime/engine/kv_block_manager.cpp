#include "engine/kv_block_manager.hpp"

#include <xxhash.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sluice::engine {

KvBlockManager::KvBlockManager(int32_t n_blocks, int32_t block_size, bool prefix_cache)
    : block_size_(block_size), prefix_cache_(prefix_cache), blocks_(static_cast<size_t>(n_blocks)) {
  if (n_blocks <= 0 || block_size <= 0)
    throw std::invalid_argument("a KV pool needs at least one block of at least one token");
  for (int32_t b = 0; b < n_blocks; ++b) {
    free_.push_back(b);
    blocks_[b].free_pos = std::prev(free_.end());
    blocks_[b].in_free = true;
  }
}

uint64_t KvBlockManager::block_hash(uint64_t parent, std::span<const int32_t> tokens) const {
  return XXH3_64bits_withSeed(tokens.data(), tokens.size_bytes(), parent);
}

std::vector<uint64_t> KvBlockManager::chain_hashes(std::span<const int32_t> tokens) const {
  std::vector<uint64_t> hashes;
  uint64_t parent = kRootHash;
  for (size_t begin = 0; begin + block_size_ <= tokens.size(); begin += block_size_) {
    parent = block_hash(parent, tokens.subspan(begin, block_size_));
    hashes.push_back(parent);
  }
  return hashes;
}

int32_t KvBlockManager::find_cached(uint64_t hash, uint64_t parent,
                                    std::span<const int32_t> tokens) const {
  const auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return -1;
  const Block& b = blocks_[it->second];
  // A 64-bit collision would silently serve another prompt's KV; compare the content.
  if (b.parent != parent ||
      !std::equal(tokens.begin(), tokens.end(), b.tokens.begin(), b.tokens.end()))
    return -1;
  return it->second;
}

int32_t KvBlockManager::peek_prefix_tokens(std::span<const int32_t> tokens) const {
  if (!prefix_cache_ || tokens.empty()) return 0;
  const size_t usable = (tokens.size() - 1) / block_size_;  // keep one token to compute
  uint64_t parent = kRootHash;
  int32_t found = 0;
  for (size_t i = 0; i < usable; ++i) {
    const auto block_tokens = tokens.subspan(i * block_size_, block_size_);
    const uint64_t hash = block_hash(parent, block_tokens);
    if (find_cached(hash, parent, block_tokens) < 0) break;
    parent = hash;
    found += block_size_;
  }
  return found;
}

std::vector<int32_t> KvBlockManager::acquire_prefix(std::span<const int32_t> tokens) {
  std::vector<int32_t> acquired;
  if (!prefix_cache_ || tokens.empty()) return acquired;
  const size_t usable = (tokens.size() - 1) / block_size_;
  uint64_t parent = kRootHash;
  for (size_t i = 0; i < usable; ++i) {
    const auto block_tokens = tokens.subspan(i * block_size_, block_size_);
    const uint64_t hash = block_hash(parent, block_tokens);
    const int32_t block = find_cached(hash, parent, block_tokens);
    if (block < 0) break;
    if (blocks_[block].in_free) take_from_free(block);
    ++blocks_[block].refs;
    acquired.push_back(block);
    parent = hash;
  }
  return acquired;
}

void KvBlockManager::take_from_free(int32_t block) {
  Block& b = blocks_[block];
  free_.erase(b.free_pos);
  b.in_free = false;
  if (b.cached) --n_cached_free_;
}

void KvBlockManager::forget(int32_t block) {
  Block& b = blocks_[block];
  if (!b.cached) return;
  by_hash_.erase(b.hash);
  b.cached = false;
  b.tokens.clear();
}

bool KvBlockManager::allocate(int32_t n, std::vector<int32_t>& out) {
  if (n < 0 || n > n_free()) return false;
  for (int32_t i = 0; i < n; ++i) {
    const int32_t block = free_.front();
    take_from_free(block);
    forget(block);  // its old content is about to be overwritten
    blocks_[block].refs = 1;
    out.push_back(block);
  }
  return true;
}

void KvBlockManager::release(std::span<const int32_t> blocks) {
  // Reverse order: the sequence's last blocks are reused before its first ones.
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    Block& b = blocks_.at(*it);
    if (b.refs <= 0) throw std::logic_error("KV block " + std::to_string(*it) + " released twice");
    if (--b.refs > 0) continue;
    if (b.cached) {
      free_.push_back(*it);  // keeps its prefix KV until reused
      ++n_cached_free_;
    } else {
      free_.push_front(*it);  // nothing worth keeping: reuse first
    }
    b.free_pos = b.cached ? std::prev(free_.end()) : free_.begin();
    b.in_free = true;
  }
}

uint64_t KvBlockManager::register_full_block(int32_t block, uint64_t parent,
                                             std::span<const int32_t> tokens) {
  const uint64_t hash = block_hash(parent, tokens);
  Block& b = blocks_.at(block);
  if (!prefix_cache_ || b.cached || static_cast<int32_t>(tokens.size()) != block_size_) return hash;
  if (by_hash_.count(hash) != 0) return hash;  // the same content lives in another block
  by_hash_.emplace(hash, block);
  b.cached = true;
  b.hash = hash;
  b.parent = parent;
  b.tokens.assign(tokens.begin(), tokens.end());
  return hash;
}

}  // namespace sluice::engine
