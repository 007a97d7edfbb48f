// A read-only memory mapping of a whole file. Weights are used in place from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

namespace sluice::model {

class MappedFile {
 public:
  // Throws GgufError(io) naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  // The file, kept open so that later page-cache advice reaches this file even if its
  // path has since been renamed over.
  int fd() const { return fd_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  int fd_ = -1;
};

}  // namespace sluice::model
