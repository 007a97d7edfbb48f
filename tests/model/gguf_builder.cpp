#include "gguf_builder.hpp"

namespace sluice::test {

GgufBytes sample_gguf(SampleLayout* out) {
  SampleLayout l{};
  GgufBytes b;
  b.u32(0x46554747);
  l.version_at = b.u32(3);
  l.tensor_count_at = b.u64(3);
  l.kv_count_at = b.u64(6);

  l.first_key_length_at = b.str("general.architecture");
  b.u32(8);
  b.str("llama");

  b.str("general.name");
  l.string_value_type_at = b.u32(8);
  l.string_value_length_at = b.str("sample");

  b.str("sample.u32s");
  b.u32(9);
  l.array_element_type_at = b.u32(4);
  l.array_count_at = b.u64(3);
  for (uint32_t v : {1u, 2u, 3u}) b.u32(v);

  b.str("sample.nested");
  b.u32(9);
  b.u32(9);  // array of arrays
  b.u64(2);
  b.u32(8);  // [0]: strings
  b.u64(2);
  b.str("a");
  b.str("bc");
  b.u32(6);  // [1]: float32s
  b.u64(1);
  b.f32(0.5f);

  b.str("general.alignment");
  b.u32(4);
  l.alignment_value_at = b.u32(32);

  b.str("sample.flag");
  b.u32(7);
  const uint8_t yes = 1;
  b.put(&yes, 1);

  struct Tensor {
    const char* name;
    uint32_t type;
    uint64_t d0, d1;
    uint64_t bytes;
  };
  const Tensor tensors[3] = {
      {"a.weight", 0, 8, 2, 8 * 2 * 4},
      {"b.weight", 8, 64, 2, 4 * 34},
      {"c.weight", 12, 256, 1, 144},
  };
  uint64_t offset = 0;
  for (int i = 0; i < 3; ++i) {
    l.tensor_name_length_at[i] = b.str(tensors[i].name);
    l.tensor_ndims_at[i] = b.u32(2);
    l.tensor_dims_at[i] = b.u64(tensors[i].d0);
    b.u64(tensors[i].d1);
    l.tensor_type_at[i] = b.u32(tensors[i].type);
    l.tensor_offset_at[i] = b.u64(offset);
    offset += (tensors[i].bytes + 31) / 32 * 32;
  }
  b.pad(32);
  l.data_offset = b.bytes.size();
  for (int i = 0; i < 3; ++i) {
    for (uint64_t k = 0; k < tensors[i].bytes; ++k)
      b.bytes.push_back(static_cast<uint8_t>(k * 7 + i));
    l.data_end = b.bytes.size();
    b.pad(32);
  }
  if (out) *out = l;
  return b;
}

}  // namespace sluice::test
