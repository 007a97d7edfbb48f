#include "model/gguf_file.hpp"

#include <algorithm>
#include <cstring>
#include <unordered_set>

#include "model/ggml_type.hpp"
#include "model/mapped_file.hpp"

namespace sluice::model {

using Code = GgufError::Code;

// Reads the file front to back; every read is bounds-checked against the bytes left.
class GgufParser {
 public:
  explicit GgufParser(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  void parse(GgufFile& file) {
    file.bytes_ = bytes_;
    const uint32_t magic = read<uint32_t>("magic");
    if (magic != kGgufMagic) throw GgufError(Code::bad_magic, "magic", 0, "not a GGUF file");
    file.version_ = read<uint32_t>("version");
    if (file.version_ != 2 && file.version_ != 3) {
      throw GgufError(
          Code::bad_version, "version", 4,
          "GGUF version " + std::to_string(file.version_) + " (this reader reads 2 and 3)");
    }
    const uint64_t n_tensors = read<uint64_t>("tensor_count");
    const uint64_t n_kv = read<uint64_t>("metadata_kv_count");
    // Each entry takes at least this many bytes, so a count beyond what is left is a lie
    // told before anything is allocated.
    check_count(n_kv, 8 + 4 + 1, "metadata_kv_count", 16);
    check_count(n_tensors, 8 + 4 + 8 + 4 + 8, "tensor_count", 8);

    file.metadata_.reserve(n_kv);
    std::unordered_set<std::string> keys;
    for (uint64_t i = 0; i < n_kv; ++i) {
      const std::string where = "metadata[" + std::to_string(i) + "]";
      const uint64_t key_at = pos_;
      GgufKeyValue kv;
      kv.offset = key_at;
      kv.key = read_string(where + ".key");
      const uint32_t type = read<uint32_t>(where + " '" + kv.key + "' type");
      kv.value = read_value(type, where + " '" + kv.key + "'", 0);
      if (!keys.insert(kv.key).second) {
        throw GgufError(Code::duplicate, where, key_at, "duplicate key '" + kv.key + "'");
      }
      file.metadata_.push_back(std::move(kv));
    }
    file.index();
    read_alignment(file);

    file.tensors_.reserve(n_tensors);
    std::vector<uint64_t> info_offsets;
    for (uint64_t i = 0; i < n_tensors; ++i) {
      info_offsets.push_back(pos_);
      file.tensors_.push_back(read_tensor_info(i, file.alignment_));
    }
    const uint64_t data_offset = align_up(pos_, file.alignment_, "data section");
    file.data_offset_ = data_offset;
    place_tensors(file, info_offsets);
    file.index();
  }

 private:
  template <class T>
  T read(const std::string& field) {
    need(sizeof(T), field);
    T value;
    std::memcpy(&value, bytes_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return value;
  }

  void need(uint64_t n, const std::string& field) const {
    if (n > bytes_.size() - pos_) {
      throw GgufError(Code::truncated, field, pos_,
                      "needs " + std::to_string(n) + " bytes, " +
                          std::to_string(bytes_.size() - pos_) + " left in the file");
    }
  }

  void check_count(uint64_t count, uint64_t min_entry_bytes, const std::string& field,
                   uint64_t at) const {
    const uint64_t left = bytes_.size() - pos_;
    if (count > left / min_entry_bytes) {
      throw GgufError(Code::truncated, field, at,
                      "count " + std::to_string(count) + " cannot fit in the " +
                          std::to_string(left) + " bytes left");
    }
  }

  // `index` names the element of an array of strings; the field name is only built for
  // an error, since vocabularies hold hundreds of thousands of strings.
  std::string read_string(const std::string& field, uint64_t index = UINT64_MAX) {
    auto name = [&] {
      return index == UINT64_MAX ? field : field + "[" + std::to_string(index) + "]";
    };
    const uint64_t at = pos_;
    if (bytes_.size() - pos_ < 8) need(8, name() + " length");
    uint64_t length;
    std::memcpy(&length, bytes_.data() + pos_, 8);
    pos_ += 8;
    if (length > bytes_.size() - pos_) {
      throw GgufError(Code::truncated, name(), at,
                      "string of " + std::to_string(length) + " bytes, " +
                          std::to_string(bytes_.size() - pos_) + " left in the file");
    }
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), length);
    pos_ += length;
    return s;
  }

  GgufValue read_value(uint32_t type, const std::string& field, int depth) {
    if (!is_valid_gguf_value_type(type)) {
      throw GgufError(Code::bad_type, field, pos_ - 4,
                      "unknown value type " + std::to_string(type));
    }
    GgufValue v;
    v.type = static_cast<GgufValueType>(type);
    if (v.type == GgufValueType::string) {
      v.string = read_string(field);
    } else if (v.type == GgufValueType::array) {
      read_array(v, field, depth);
    } else {
      const size_t size = gguf_scalar_size(v.type);
      need(size, field);
      std::memcpy(&v.bits, bytes_.data() + pos_, size);
      pos_ += size;
    }
    return v;
  }

  void read_array(GgufValue& v, const std::string& field, int depth) {
    constexpr int kMaxNesting = 8;
    if (depth >= kMaxNesting) {
      throw GgufError(Code::bad_value, field, pos_,
                      "arrays nested deeper than " + std::to_string(kMaxNesting));
    }
    const uint64_t at = pos_;
    const uint32_t element_type = read<uint32_t>(field + " element type");
    if (!is_valid_gguf_value_type(element_type)) {
      throw GgufError(Code::bad_type, field, at,
                      "unknown array element type " + std::to_string(element_type));
    }
    v.element_type = static_cast<GgufValueType>(element_type);
    v.count = read<uint64_t>(field + " count");
    const size_t scalar = gguf_scalar_size(v.element_type);
    if (scalar != 0) {
      check_count(v.count, scalar, field + " count", at + 4);
      v.raw.assign(bytes_.data() + pos_, bytes_.data() + pos_ + v.count * scalar);
      pos_ += v.count * scalar;
    } else if (v.element_type == GgufValueType::string) {
      check_count(v.count, 8, field + " count", at + 4);
      v.strings.reserve(v.count);
      for (uint64_t i = 0; i < v.count; ++i) v.strings.push_back(read_string(field, i));
    } else {
      check_count(v.count, 4 + 8, field + " count", at + 4);
      v.arrays.reserve(v.count);
      for (uint64_t i = 0; i < v.count; ++i) {
        const std::string item = field + "[" + std::to_string(i) + "]";
        GgufValue nested;
        nested.type = GgufValueType::array;
        read_array(nested, item, depth + 1);
        v.arrays.push_back(std::move(nested));
      }
    }
  }

  void read_alignment(GgufFile& file) {
    const GgufValue* a = file.find("general.alignment");
    if (a == nullptr) return;
    if (a->type != GgufValueType::uint32) {
      throw GgufError(
          Code::wrong_type, "general.alignment", file.offset_of("general.alignment"),
          "must be uint32, found " + gguf_value_type_name(static_cast<uint32_t>(a->type)));
    }
    const uint64_t alignment = a->bits;
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
      throw GgufError(Code::bad_value, "general.alignment", file.offset_of("general.alignment"),
                      std::to_string(alignment) + " is not a power of two");
    }
    file.alignment_ = alignment;
  }

  uint64_t align_up(uint64_t offset, uint64_t alignment, const std::string& field) const {
    const uint64_t rem = offset % alignment;
    if (rem == 0) return offset;
    if (alignment - rem > UINT64_MAX - offset) {
      throw GgufError(Code::bad_value, field, offset, "alignment overflows");
    }
    return offset + (alignment - rem);
  }

  GgufTensorInfo read_tensor_info(uint64_t i, uint64_t alignment) {
    const std::string where = "tensor_infos[" + std::to_string(i) + "]";
    GgufTensorInfo t;
    t.name = read_string(where + ".name");
    const std::string field = where + " '" + t.name + "'";
    const uint64_t dims_at = pos_;
    t.n_dims = read<uint32_t>(field + " n_dims");
    if (t.n_dims < 1 || t.n_dims > kGgufMaxDims) {
      throw GgufError(Code::bad_value, field + " n_dims", dims_at,
                      std::to_string(t.n_dims) + " dimensions (1 to 4 allowed)");
    }
    uint64_t n_elements = 1;
    for (uint32_t d = 0; d < t.n_dims; ++d) {
      const uint64_t at = pos_;
      t.dims[d] = read<uint64_t>(field + " dims[" + std::to_string(d) + "]");
      if (t.dims[d] < 1 || t.dims[d] > (uint64_t{1} << 62)) {
        throw GgufError(Code::bad_value, field + " dims[" + std::to_string(d) + "]", at,
                        "dimension " + std::to_string(t.dims[d]) + " out of range");
      }
      if (__builtin_mul_overflow(n_elements, t.dims[d], &n_elements) ||
          n_elements > (uint64_t{1} << 62)) {
        throw GgufError(Code::bad_value, field + " dims", dims_at, "element count overflows");
      }
    }
    t.n_elements = n_elements;
    const uint64_t type_at = pos_;
    t.type = read<uint32_t>(field + " type");
    const auto info = ggml_type_info(t.type);
    if (!info) {
      throw GgufError(Code::bad_type, field + " type", type_at,
                      "unknown tensor type " + std::to_string(t.type));
    }
    if (t.dims[0] % info->block_elements != 0) {
      throw GgufError(Code::bad_value, field + " dims[0]", dims_at + 4,
                      "row length " + std::to_string(t.dims[0]) + " is not a multiple of " +
                          std::string(info->name) + "'s block of " +
                          std::to_string(info->block_elements));
    }
    // n_elements <= 2^62 and block_bytes / block_elements <= 4, so this cannot overflow.
    t.size_bytes = n_elements / info->block_elements * info->block_bytes;
    const uint64_t offset_at = pos_;
    t.offset = read<uint64_t>(field + " offset");
    if (t.offset % alignment != 0) {
      throw GgufError(Code::bad_value, field + " offset", offset_at,
                      "offset " + std::to_string(t.offset) +
                          " is not a multiple of the alignment " + std::to_string(alignment));
    }
    return t;
  }

  void place_tensors(GgufFile& file, const std::vector<uint64_t>& info_offsets) {
    const uint64_t size = bytes_.size();
    std::vector<size_t> order(file.tensors_.size());
    for (size_t i = 0; i < order.size(); ++i) {
      GgufTensorInfo& t = file.tensors_[i];
      const std::string field = "tensor_infos[" + std::to_string(i) + "] '" + t.name + "'";
      if (!file.tensor_index_.emplace(t.name, i).second) {
        throw GgufError(Code::duplicate, field, info_offsets[i],
                        "duplicate tensor name '" + t.name + "'");
      }
      uint64_t start = 0;
      uint64_t end = 0;
      if (__builtin_add_overflow(file.data_offset_, t.offset, &start) ||
          __builtin_add_overflow(start, t.size_bytes, &end) || end > size) {
        throw GgufError(Code::truncated, field + " data", info_offsets[i],
                        "data [" + std::to_string(t.offset) + ", +" + std::to_string(t.size_bytes) +
                            ") of the data section at " + std::to_string(file.data_offset_) +
                            " lies beyond the end of the file (" + std::to_string(size) +
                            " bytes)");
      }
      t.data = bytes_.data() + start;
      order[i] = i;
    }
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return file.tensors_[a].offset < file.tensors_[b].offset;
    });
    for (size_t k = 1; k < order.size(); ++k) {
      const GgufTensorInfo& prev = file.tensors_[order[k - 1]];
      const GgufTensorInfo& cur = file.tensors_[order[k]];
      if (prev.offset + prev.size_bytes > cur.offset) {
        throw GgufError(Code::overlap, "tensor_infos '" + cur.name + "'", info_offsets[order[k]],
                        "data overlaps tensor '" + prev.name + "'");
      }
    }
  }

  std::span<const uint8_t> bytes_;
  uint64_t pos_ = 0;
};

void GgufFile::index() {
  key_index_.clear();
  for (size_t i = 0; i < metadata_.size(); ++i) key_index_.emplace(metadata_[i].key, i);
  tensor_index_.clear();
  for (size_t i = 0; i < tensors_.size(); ++i) tensor_index_.emplace(tensors_[i].name, i);
}

GgufFile GgufFile::parse(std::span<const uint8_t> bytes) {
  GgufFile file;
  GgufParser(bytes).parse(file);
  return file;
}

GgufFile GgufFile::open(const std::filesystem::path& path) {
  auto mapping = std::make_shared<const MappedFile>(path);
  try {
    GgufFile file = parse(mapping->bytes());
    file.mapping_ = std::move(mapping);
    return file;
  } catch (const GgufError& e) {
    throw e.in_file(path.string());
  }
}

HugePageStatus GgufFile::prefer_huge_pages() const {
  return mapping_ ? model::prefer_huge_pages(mapping_->bytes(), mapping_->fd())
                  : HugePageStatus{bytes_.size(), 0, false};
}

const GgufValue* GgufFile::find(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second].value;
}

uint64_t GgufFile::offset_of(std::string_view key) const {
  auto it = key_index_.find(key);
  return it == key_index_.end() ? GgufError::kNoOffset : metadata_[it->second].offset;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

namespace {

GgufError wrong_type(const GgufFile& file, std::string_view key, const GgufValue& v,
                     const char* expected) {
  return GgufError(Code::wrong_type, std::string(key), file.offset_of(key),
                   std::string("expected ") + expected + ", found " +
                       gguf_value_type_name(static_cast<uint32_t>(v.type)));
}

}  // namespace

std::optional<std::string> GgufFile::get_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  if (v->type != GgufValueType::string) throw wrong_type(*this, key, *v, "a string");
  return v->string;
}

std::optional<int64_t> GgufFile::get_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  auto i = v->as_int();
  if (!i) throw wrong_type(*this, key, *v, "an integer");
  return i;
}

std::optional<double> GgufFile::get_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  auto f = v->as_float();
  if (!f) throw wrong_type(*this, key, *v, "a number");
  return f;
}

std::optional<bool> GgufFile::get_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (v == nullptr) return std::nullopt;
  auto b = v->as_bool();
  if (!b) throw wrong_type(*this, key, *v, "a bool");
  return b;
}

std::string GgufFile::require_string(std::string_view key) const {
  auto s = get_string(key);
  if (!s)
    throw GgufError(Code::missing_key, std::string(key), GgufError::kNoOffset,
                    "required key is missing");
  return *s;
}

int64_t GgufFile::require_int(std::string_view key) const {
  auto i = get_int(key);
  if (!i)
    throw GgufError(Code::missing_key, std::string(key), GgufError::kNoOffset,
                    "required key is missing");
  return *i;
}

}  // namespace sluice::model
