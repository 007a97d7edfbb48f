#include "model/gguf_writer.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <unordered_set>

#include "model/ggml_type.hpp"

namespace sluice::model {
namespace {

using Code = GgufError::Code;

class Out {
 public:
  explicit Out(std::ostream& out) : out_(out) {}
  template <class T>
  void put(T value) {
    out_.write(reinterpret_cast<const char*>(&value), sizeof value);
    pos_ += sizeof value;
  }
  void bytes(const void* data, size_t n) {
    out_.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
    pos_ += n;
  }
  void string(const std::string& s) {
    put<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  void pad_to(uint64_t alignment) {
    static const char zeros[256] = {};
    uint64_t n = (alignment - pos_ % alignment) % alignment;
    while (n > 0) {
      const uint64_t chunk = std::min<uint64_t>(n, sizeof zeros);
      bytes(zeros, chunk);
      n -= chunk;
    }
  }
  uint64_t pos() const { return pos_; }

 private:
  std::ostream& out_;
  uint64_t pos_ = 0;
};

void write_array_body(Out& out, const GgufValue& v) {
  out.put<uint32_t>(static_cast<uint32_t>(v.element_type));
  out.put<uint64_t>(v.count);
  if (v.element_type == GgufValueType::string) {
    for (const auto& s : v.strings) out.string(s);
  } else if (v.element_type == GgufValueType::array) {
    for (const auto& nested : v.arrays) write_array_body(out, nested);
  } else {
    out.bytes(v.raw.data(), v.raw.size());
  }
}

void write_value(Out& out, const GgufValue& v) {
  out.put<uint32_t>(static_cast<uint32_t>(v.type));
  if (v.type == GgufValueType::string) {
    out.string(v.string);
  } else if (v.type == GgufValueType::array) {
    write_array_body(out, v);
  } else {
    out.bytes(&v.bits, gguf_scalar_size(v.type));  // little-endian host
  }
}

uint64_t padded(uint64_t size, uint64_t alignment) {
  return (size + alignment - 1) / alignment * alignment;
}

}  // namespace

void GgufWriter::set(const std::string& key, GgufValue value) {
  for (auto& kv : metadata_) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  metadata_.push_back({key, std::move(value)});
}

void GgufWriter::remove(const std::string& key) {
  std::erase_if(metadata_, [&](const GgufKeyValue& kv) { return kv.key == key; });
}

void GgufWriter::add_tensor(GgufTensorSource tensor) {
  const std::string field = "tensor '" + tensor.name + "'";
  for (const auto& t : tensors_) {
    if (t.name == tensor.name) throw GgufError(Code::duplicate, field, 0, "added twice");
  }
  const auto info = ggml_type_info(tensor.type);
  if (!info)
    throw GgufError(Code::bad_type, field, 0, "unknown tensor type " + std::to_string(tensor.type));
  if (tensor.dims.empty() || tensor.dims.size() > kGgufMaxDims) {
    throw GgufError(Code::bad_value, field, 0, "needs 1 to 4 dimensions");
  }
  uint64_t n = 1;
  for (uint64_t d : tensor.dims) {
    if (d == 0 || __builtin_mul_overflow(n, d, &n))
      throw GgufError(Code::bad_value, field, 0, "bad dimensions");
  }
  if (tensor.dims[0] % info->block_elements != 0) {
    throw GgufError(Code::bad_value, field, 0, "row length is not a multiple of the block size");
  }
  if (tensor.data.size() != n / info->block_elements * info->block_bytes) {
    throw GgufError(Code::bad_value, field, 0,
                    "data is " + std::to_string(tensor.data.size()) + " bytes, the shape needs " +
                        std::to_string(n / info->block_elements * info->block_bytes));
  }
  tensors_.push_back(std::move(tensor));
}

uint64_t GgufWriter::alignment() const {
  for (const auto& kv : metadata_) {
    if (kv.key == "general.alignment" && kv.value.type == GgufValueType::uint32 &&
        kv.value.bits != 0 && (kv.value.bits & (kv.value.bits - 1)) == 0) {
      return kv.value.bits;
    }
  }
  return kGgufDefaultAlignment;
}

void GgufWriter::write(std::ostream& stream) const {
  Out out(stream);
  const uint64_t align = alignment();
  out.put<uint32_t>(kGgufMagic);
  out.put<uint32_t>(version_);
  out.put<uint64_t>(tensors_.size());
  out.put<uint64_t>(metadata_.size());
  for (const auto& kv : metadata_) {
    out.string(kv.key);
    write_value(out, kv.value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    out.string(t.name);
    out.put<uint32_t>(static_cast<uint32_t>(t.dims.size()));
    for (uint64_t d : t.dims) out.put<uint64_t>(d);
    out.put<uint32_t>(t.type);
    out.put<uint64_t>(offset);
    offset += padded(t.data.size(), align);
  }
  if (tensors_.empty()) return;  // llama.cpp writes no padding without tensor data
  out.pad_to(align);
  for (const auto& t : tensors_) {
    out.bytes(t.data.data(), t.data.size());
    out.pad_to(align);
  }
}

void GgufWriter::write_file(const std::filesystem::path& path) const {
  const std::filesystem::path temp = path.string() + ".partial";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      throw GgufError(Code::io, "file", 0,
                      path.string() + ": cannot create: " + std::strerror(errno));
    }
    write(out);
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      throw GgufError(Code::io, "file", 0,
                      path.string() + ": write failed: " + std::strerror(errno));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec)
    throw GgufError(Code::io, "file", 0,
                    path.string() + ": cannot rename into place: " + ec.message());
}

GgufWriter GgufWriter::from(const GgufFile& file) {
  GgufWriter writer;
  writer.version_ = file.version();
  writer.metadata_ = file.metadata();
  for (const auto& t : file.tensors()) {
    GgufTensorSource source;
    source.name = t.name;
    source.type = t.type;
    source.dims.assign(t.dims.begin(), t.dims.begin() + t.n_dims);
    source.data = std::span<const uint8_t>(t.data, t.size_bytes);
    writer.tensors_.push_back(std::move(source));
  }
  return writer;
}

}  // namespace sluice::model
