// Writes GGUF files in llama.cpp's layout: header, metadata, tensor infos,
// then (when there are tensors) zero padding to the alignment and every tensor's data,
// each padded to the alignment. Reading a file and writing it back is byte-exact.
#pragma once

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "model/gguf_value.hpp"

namespace sluice::model {

struct GgufTensorSource {
  std::string name;
  uint32_t type = 0;              // GgmlType id
  std::vector<uint64_t> dims;     // 1 to 4, fastest-varying first
  std::span<const uint8_t> data;  // borrowed until write() returns; exactly the tensor's size
};

class GgufWriter {
 public:
  // Sets `key`, keeping its place when it exists, else appending it.
  void set(const std::string& key, GgufValue value);
  void remove(const std::string& key);
  // Throws GgufError(bad_value/bad_type/duplicate) for an inconsistent tensor.
  void add_tensor(GgufTensorSource tensor);

  const std::vector<GgufKeyValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensorSource>& tensors() const { return tensors_; }

  // The version field written (2 and 3 share a layout); from() keeps the source's.
  void set_version(uint32_t version) { version_ = version; }

  void write(std::ostream& out) const;
  // Writes to a temporary file beside `path`, then renames it into place. Throws
  // GgufError(io) naming the file.
  void write_file(const std::filesystem::path& path) const;

  // Everything in `file`, in the same order, referencing its data.
  static GgufWriter from(const GgufFile& file);

 private:
  uint64_t alignment() const;

  uint32_t version_ = 3;
  std::vector<GgufKeyValue> metadata_;
  std::vector<GgufTensorSource> tensors_;
};

}  // namespace sluice::model
