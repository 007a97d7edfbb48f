// Small vocabularies written in memory, for tests that need metadata no shared file has
// (or deliberately broken metadata).
#pragma once

#include <string>

#include "model/gguf_writer.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::test {

// An SPM vocabulary: <unk>, <s>, </s>, the 256 byte tokens <0x00>..<0xFF> (ids 3..258),
// then "▁", "a", "b", "c", "ab", "▁a", "▁ab", "bc", "abc" with scores.
model::GgufWriter spm_vocab_writer();
// A byte-level BPE vocabulary (pre-tokenizer "gpt-2"): the 256 byte-level characters (id
// = GPT-2 order), "Ġa", "ab", "Ġab", "<|endoftext|>" and the merges making them.
model::GgufWriter bpe_vocab_writer();

// Writes, re-reads and loads; throws TokenizerError (or GgufError) like from_gguf.
tokenizer::Tokenizer tokenizer_from(const model::GgufWriter& writer);

}  // namespace sluice::test
