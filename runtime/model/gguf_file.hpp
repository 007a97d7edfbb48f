// A GGUF file (versions 2 and 3), memory-mapped and fully validated on open: every
// count, length, offset and size is checked, with overflow-checked arithmetic, before
// anything is allocated or read. A bad file is a GgufError naming the field and byte
// offset, never a crash or an allocation much larger than the file.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/gguf_error.hpp"
#include "model/gguf_value.hpp"
#include "model/huge_pages.hpp"

namespace sluice::model {

class MappedFile;

constexpr uint32_t kGgufMagic = 0x46554747;  // "GGUF" read as little-endian uint32
constexpr uint64_t kGgufDefaultAlignment = 32;
constexpr size_t kGgufMaxDims = 4;

struct GgufKeyValue {
  std::string key;
  GgufValue value;
  uint64_t offset = 0;  // where the key starts in the file (0 for values not read from one)
};

struct GgufTensorInfo {
  std::string name;
  uint32_t type = 0;  // GgmlType id, known to ggml_type_info()
  uint32_t n_dims = 0;
  std::array<uint64_t, kGgufMaxDims> dims{1, 1, 1, 1};  // fastest-varying first
  uint64_t offset = 0;  // relative to the data section, a multiple of the alignment
  uint64_t n_elements = 0;
  uint64_t size_bytes = 0;
  const uint8_t* data = nullptr;  // in the mapping; valid while the GgufFile lives
};

class GgufFile {
 public:
  // Maps and validates `path`. Throws GgufError; its message starts with the path.
  static GgufFile open(const std::filesystem::path& path);
  // Validates bytes in memory (tests, fuzzing). `bytes` must outlive the result.
  static GgufFile parse(std::span<const uint8_t> bytes);

  // Move-only: the indexes point into this object's own strings.
  GgufFile(GgufFile&&) = default;
  GgufFile& operator=(GgufFile&&) = default;
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // file offset of the data section
  uint64_t file_size() const { return bytes_.size(); }
  std::span<const uint8_t> bytes() const { return bytes_; }
  // Before decoding from an opened file: its mapping in 2 MiB pages where the system
  // allows (model/huge_pages.hpp). A file parsed from memory reports no mapping.
  HugePageStatus prefer_huge_pages() const;

  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;
  // Where `key` starts in the file, for messages; GgufError::kNoOffset when absent.
  uint64_t offset_of(std::string_view key) const;
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

  // Typed reads of optional keys: nullopt when absent; GgufError(wrong_type) when the
  // key holds something else.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<int64_t> get_int(std::string_view key) const;
  std::optional<double> get_float(std::string_view key) const;
  std::optional<bool> get_bool(std::string_view key) const;
  // Required keys: GgufError(missing_key) when absent.
  std::string require_string(std::string_view key) const;
  int64_t require_int(std::string_view key) const;

 private:
  GgufFile() = default;
  void index();

  std::shared_ptr<const MappedFile> mapping_;
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<GgufKeyValue> metadata_;
  std::vector<GgufTensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> key_index_;
  std::unordered_map<std::string_view, size_t> tensor_index_;

  friend class GgufParser;
};

}  // namespace sluice::model
