// Malformed GGUF files are rejected with a typed error naming the field and offset:
// truncated at every byte, impossible counts and lengths, bad types, bad tensor
// placement, absurd alignment. Run under ASan/UBSan in CI.
#include <catch2/catch.hpp>
#include <span>

#include "gguf_builder.hpp"
#include "model/gguf_file.hpp"

using sluice::model::GgufError;
using sluice::model::GgufFile;
using Code = GgufError::Code;
using namespace sluice::test;

namespace {

// The error parsing `bytes` raises; fails the test when it parses.
GgufError error_of(const std::vector<uint8_t>& bytes) {
  try {
    GgufFile::parse(std::span<const uint8_t>(bytes.data(), bytes.size()));
  } catch (const GgufError& e) {
    return e;
  }
  FAIL("the file was accepted");
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("the sample file itself is valid", "[gguf]") {
  SampleLayout l;
  auto b = sample_gguf(&l);
  const auto file = GgufFile::parse(b.bytes);
  CHECK(file.metadata().size() == 6);
  REQUIRE(file.tensors().size() == 3);
  CHECK(file.data_offset() == l.data_offset);
  CHECK(file.find_tensor("c.weight")->size_bytes == 144);
  CHECK(file.find("sample.nested")->arrays.at(0).strings.at(1) == "bc");
  CHECK(file.find("sample.u32s")->int_at(2) == 3);
  CHECK(file.get_bool("sample.flag") == true);
}

TEST_CASE("a file truncated at any byte is rejected", "[gguf]") {
  SampleLayout l;
  const auto full = sample_gguf(&l).bytes;
  for (size_t cut = 0; cut < l.data_end; ++cut) {
    INFO("cut at " << cut);
    std::vector<uint8_t> part(full.begin(), full.begin() + cut);
    const auto e = error_of(part);
    CHECK(e.code() == Code::truncated);
  }
  // Cut inside the final padding: every tensor is still whole, so it reads.
  std::vector<uint8_t> padded(full.begin(), full.begin() + l.data_end);
  CHECK(GgufFile::parse(padded).tensors().size() == 3);
}

TEST_CASE("header problems are named", "[gguf]") {
  SampleLayout l;
  auto b = sample_gguf(&l);
  SECTION("bad magic") {
    b.bytes[0] = 'X';
    CHECK(error_of(b.bytes).code() == Code::bad_magic);
  }
  SECTION("version 1 and 4") {
    for (uint32_t v : {1u, 4u}) {
      b.patch_u32(l.version_at, v);
      const auto e = error_of(b.bytes);
      CHECK(e.code() == Code::bad_version);
      CHECK(e.offset() == 4);
    }
  }
  SECTION("huge metadata and tensor counts fail before allocating") {
    b.patch_u64(l.kv_count_at, uint64_t{1} << 60);
    auto e = error_of(b.bytes);
    CHECK(e.code() == Code::truncated);
    CHECK(e.field() == "metadata_kv_count");
    b = sample_gguf();
    b.patch_u64(l.tensor_count_at, ~uint64_t{0});
    e = error_of(b.bytes);
    CHECK(e.code() == Code::truncated);
    CHECK(e.field() == "tensor_count");
  }
}

TEST_CASE("metadata problems are named", "[gguf]") {
  SampleLayout l;
  auto b = sample_gguf(&l);
  SECTION("a key length beyond the file") {
    b.patch_u64(l.first_key_length_at, uint64_t{1} << 63);
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::truncated);
    CHECK(e.field() == "metadata[0].key");
    CHECK(e.offset() == l.first_key_length_at);
  }
  SECTION("a string value length beyond the file") {
    b.patch_u64(l.string_value_length_at, b.bytes.size());
    CHECK(error_of(b.bytes).code() == Code::truncated);
  }
  SECTION("an unknown value type") {
    b.patch_u32(l.string_value_type_at, 13);
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::bad_type);
    CHECK_THAT(e.what(), Catch::Contains("metadata[1] 'general.name'") && Catch::Contains("13"));
  }
  SECTION("an unknown array element type") {
    b.patch_u32(l.array_element_type_at, 99);
    CHECK(error_of(b.bytes).code() == Code::bad_type);
  }
  SECTION("a huge array count") {
    b.patch_u64(l.array_count_at, uint64_t{1} << 61);
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::truncated);
    CHECK_THAT(e.what(), Catch::Contains("sample.u32s"));
  }
  SECTION("a duplicate key") {
    // Rename metadata[1] ("general.name") to metadata[0]'s key length-preserving:
    // "general.name" -> "general.arch" is not a duplicate; build one instead.
    GgufBytes d;
    d.u32(0x46554747);
    d.u32(3);
    d.u64(0);
    d.u64(2);
    for (int i = 0; i < 2; ++i) {
      d.str("same.key");
      d.u32(4);
      d.u32(1);
    }
    const auto e = error_of(d.bytes);
    CHECK(e.code() == Code::duplicate);
    CHECK(e.field() == "metadata[1]");
  }
  SECTION("arrays nested too deep") {
    GgufBytes d;
    d.u32(0x46554747);
    d.u32(3);
    d.u64(0);
    d.u64(1);
    d.str("deep");
    d.u32(9);
    for (int i = 0; i < 20; ++i) {
      d.u32(9);
      d.u64(1);
    }
    d.u32(4);
    d.u64(0);
    CHECK(error_of(d.bytes).code() == Code::bad_value);
  }
}

TEST_CASE("alignment must be a uint32 power of two that fits", "[gguf]") {
  SampleLayout l;
  auto b = sample_gguf(&l);
  for (uint32_t bad : {0u, 3u, 48u}) {
    INFO(bad);
    b.patch_u32(l.alignment_value_at, bad);
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::bad_value);
    CHECK(e.field() == "general.alignment");
  }
  // Absurd but a power of two: the tensor offsets no longer align, and with every
  // offset 0 (one tensor) the data section would start beyond the file.
  b.patch_u32(l.alignment_value_at, 1u << 31);
  CHECK(error_of(b.bytes).code() == Code::bad_value);
  b.patch_u64(l.tensor_count_at, 1);
  CHECK(error_of(b.bytes).code() == Code::truncated);
}

TEST_CASE("tensor info problems are named", "[gguf]") {
  SampleLayout l;
  auto b = sample_gguf(&l);
  SECTION("0 or 5 dimensions") {
    for (uint32_t n : {0u, 5u}) {
      b.patch_u32(l.tensor_ndims_at[1], n);
      const auto e = error_of(b.bytes);
      CHECK(e.code() == Code::bad_value);
      CHECK(e.field() == "tensor_infos[1] 'b.weight' n_dims");
    }
  }
  SECTION("a zero dimension") {
    b.patch_u64(l.tensor_dims_at[0], 0);
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::bad_value);
    CHECK(e.offset() == l.tensor_dims_at[0]);
  }
  SECTION("dimensions whose product overflows") {
    b.patch_u64(l.tensor_dims_at[0], uint64_t{1} << 40);
    b.patch_u64(l.tensor_dims_at[0] + 8, uint64_t{1} << 40);
    CHECK(error_of(b.bytes).code() == Code::bad_value);
  }
  SECTION("an unknown tensor type") {
    b.patch_u32(l.tensor_type_at[2], 99);
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::bad_type);
    CHECK(e.offset() == l.tensor_type_at[2]);
  }
  SECTION("a row length the block size does not divide") {
    b.patch_u64(l.tensor_dims_at[1], 48);  // Q8_0 blocks hold 32
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::bad_value);
    CHECK_THAT(e.what(), Catch::Contains("not a multiple of Q8_0's block of 32"));
  }
  SECTION("an unaligned offset") {
    b.patch_u64(l.tensor_offset_at[1], 8);
    CHECK(error_of(b.bytes).code() == Code::bad_value);
  }
  SECTION("data beyond the end of the file") {
    b.patch_u64(l.tensor_offset_at[2], uint64_t{1} << 40);
    auto e = error_of(b.bytes);
    CHECK(e.code() == Code::truncated);
    CHECK_THAT(e.what(), Catch::Contains("'c.weight' data"));
    b.patch_u64(l.tensor_offset_at[2], ~uint64_t{0} - 31);  // aligned, and overflows when added
    e = error_of(b.bytes);
    CHECK(e.code() == Code::truncated);
  }
  SECTION("overlapping tensors") {
    b.patch_u64(l.tensor_offset_at[1], 32);  // a.weight occupies [0, 64)
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::overlap);
    CHECK_THAT(e.what(), Catch::Contains("overlaps tensor 'a.weight'"));
  }
  SECTION("a duplicate tensor name") {
    // "b.weight" -> "a.weight": same length, so the layout stays.
    b.bytes[l.tensor_name_length_at[1] + 8] = 'a';
    const auto e = error_of(b.bytes);
    CHECK(e.code() == Code::duplicate);
    CHECK_THAT(e.what(), Catch::Contains("duplicate tensor name 'a.weight'"));
  }
}

TEST_CASE("random bytes after a valid header never crash the reader", "[gguf]") {
  SampleLayout l;
  const auto good = sample_gguf(&l).bytes;
  uint32_t state = 12345;
  int rejected = 0;
  for (int round = 0; round < 2000; ++round) {
    auto bytes = good;
    for (int k = 0; k < 4; ++k) {
      state = state * 1664525u + 1013904223u;
      const size_t at = 8 + state % (bytes.size() - 8);
      state = state * 1664525u + 1013904223u;
      bytes[at] = static_cast<uint8_t>(state >> 24);
    }
    try {
      GgufFile::parse(bytes);
    } catch (const GgufError&) {
      ++rejected;
    }
  }
  CHECK(rejected > 0);  // most mutations hit data bytes and still parse; some must not
}

TEST_CASE("version 2 files read like version 3", "[gguf]") {
  SampleLayout l;
  auto b = sample_gguf(&l);
  b.patch_u32(l.version_at, 2);
  const auto file = GgufFile::parse(b.bytes);
  CHECK(file.version() == 2);
  CHECK(file.tensors().size() == 3);
}
