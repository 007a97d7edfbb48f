#include "model/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "model/gguf_error.hpp"

namespace sluice::model {

MappedFile::MappedFile(const std::filesystem::path& path) : path_(path) {
  auto fail = [&](const char* what) {
    return GgufError(GgufError::Code::io, "file", 0,
                     path.string() + ": " + what + ": " + std::strerror(errno));
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw fail("cannot open");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const auto error = fail("cannot stat");
    ::close(fd);
    throw error;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw GgufError(GgufError::Code::io, "file", 0, path.string() + ": not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const auto error = fail("cannot map");
      ::close(fd);
      throw error;
    }
    data_ = static_cast<const uint8_t*>(p);
  }
  ::close(fd);  // the mapping keeps the file's pages
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace sluice::model
