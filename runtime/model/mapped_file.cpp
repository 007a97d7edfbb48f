#include "model/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include "model/gguf_error.hpp"

namespace sluice::model {

MappedFile::MappedFile(const std::filesystem::path& path) {
  auto fail = [&](const char* what) {
    return GgufError(GgufError::Code::io, "file", 0,
                     path.string() + ": " + what + ": " + std::strerror(errno));
  };
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw fail("cannot open");
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const auto error = fail("cannot stat");
    ::close(fd_);
    throw error;
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw GgufError(GgufError::Code::io, "file", 0, path.string() + ": not a regular file");
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (p == MAP_FAILED) {
      const auto error = fail("cannot map");
      ::close(fd_);
      throw error;
    }
    data_ = static_cast<const uint8_t*>(p);
  }
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<uint8_t*>(data_), size_);
  ::close(fd_);
}

}  // namespace sluice::model
