// Hand-assembles GGUF bytes field by field, so tests can write files the writer would
// refuse to produce (bad counts, types, offsets) and patch single fields.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace sluice::test {

class GgufBytes {
 public:
  size_t u32(uint32_t v) { return put(&v, 4); }
  size_t u64(uint64_t v) { return put(&v, 8); }
  size_t f32(float v) { return put(&v, 4); }
  size_t str(std::string_view s) {
    const size_t at = u64(s.size());
    put(s.data(), s.size());
    return at;
  }
  size_t put(const void* p, size_t n) {
    const size_t at = bytes.size();
    bytes.insert(bytes.end(), static_cast<const uint8_t*>(p), static_cast<const uint8_t*>(p) + n);
    return at;
  }
  void pad(size_t alignment) {
    while (bytes.size() % alignment != 0) bytes.push_back(0);
  }
  void patch_u32(size_t at, uint32_t v) { std::memcpy(bytes.data() + at, &v, 4); }
  void patch_u64(size_t at, uint64_t v) { std::memcpy(bytes.data() + at, &v, 8); }

  std::vector<uint8_t> bytes;
};

// Where the interesting fields of sample_gguf() sit, for patching.
struct SampleLayout {
  size_t version_at, tensor_count_at, kv_count_at;
  size_t first_key_length_at;   // metadata[0].key length
  size_t string_value_type_at;  // metadata[1] value type (a string value)
  size_t string_value_length_at;
  size_t array_count_at;  // metadata[2]: array of uint32
  size_t array_element_type_at;
  size_t alignment_value_at;  // metadata[4]: general.alignment (uint32)
  size_t tensor_name_length_at[3];
  size_t tensor_ndims_at[3];
  size_t tensor_dims_at[3];  // dims[0]
  size_t tensor_type_at[3];
  size_t tensor_offset_at[3];
  size_t data_offset;
  size_t data_end;  // end of the last tensor's data
};

// A small valid GGUF v3 file: metadata of every kind (scalars, a string, arrays,
// a nested array, general.alignment = 32) and three tensors (F32 [8, 2], Q8_0 [64, 2],
// Q4_K [256, 1]).
GgufBytes sample_gguf(SampleLayout* layout = nullptr);

}  // namespace sluice::test
