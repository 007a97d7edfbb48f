// A read-only memory mapping of a whole file. Weights are used in place from it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "model/huge_pages.hpp"

namespace sluice::model {

class MappedFile {
 public:
  // Throws GgufError(io) naming the file when it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

  // For files whose weights are streamed (decoding): see model/huge_pages.hpp.
  HugePageStatus prefer_huge_pages() const { return model::prefer_huge_pages(data_, size_, path_); }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::filesystem::path path_;
};

}  // namespace sluice::model
