#include "plugin_host/elf_check.hpp"

#include <elf.h>
#include <cstring>
#include <fstream>
#include <vector>

namespace sluice::plugin_host {
namespace {

#if defined(__x86_64__)
constexpr int kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr int kHostMachine = EM_AARCH64;
#else
constexpr int kHostMachine = -1;  // unknown: skip the machine check
#endif

// a + b <= limit without overflow.
bool fits(uint64_t a, uint64_t b, uint64_t limit) {
  return a <= limit && b <= limit - a;
}

}  // namespace

std::string check_elf_shared_object(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return "cannot open the file";
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return "cannot stat the file: " + ec.message();

  Elf64_Ehdr header{};
  if (size < sizeof header || !in.read(reinterpret_cast<char*>(&header), sizeof header)) {
    return "file too short to be a shared object (" + std::to_string(size) + " bytes)";
  }
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) return "not an ELF file";
  if (header.e_ident[EI_CLASS] != ELFCLASS64) return "not a 64-bit ELF file";
  const bool little = header.e_ident[EI_DATA] == ELFDATA2LSB;
  if (little != (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__))
    return "ELF file of the wrong byte order";
  if (header.e_type != ET_DYN)
    return "ELF file is not a shared object (e_type " + std::to_string(header.e_type) + ")";
  if (kHostMachine >= 0 && header.e_machine != kHostMachine) {
    return "ELF file is for another machine (e_machine " + std::to_string(header.e_machine) + ")";
  }
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0) {
    return "ELF program header table is malformed";
  }
  const uint64_t table_size = uint64_t{header.e_phnum} * sizeof(Elf64_Phdr);
  if (!fits(header.e_phoff, table_size, size))
    return "ELF program headers extend past the end of the file (truncated?)";

  std::vector<Elf64_Phdr> segments(header.e_phnum);
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  if (!in.read(reinterpret_cast<char*>(segments.data()),
               static_cast<std::streamsize>(table_size))) {
    return "cannot read the ELF program headers";
  }
  int loadable = 0;
  for (const Elf64_Phdr& s : segments) {
    if (s.p_type != PT_LOAD && s.p_type != PT_DYNAMIC) continue;
    loadable += s.p_type == PT_LOAD;
    if (!fits(s.p_offset, s.p_filesz, size)) {
      return "an ELF segment extends past the end of the file (truncated?): offset " +
             std::to_string(s.p_offset) + " + " + std::to_string(s.p_filesz) + " > " +
             std::to_string(size) + " bytes";
    }
    if (s.p_type == PT_LOAD && s.p_filesz > s.p_memsz)
      return "an ELF segment is larger on disk than in memory";
  }
  if (loadable == 0) return "ELF file has no loadable segments";
  return {};
}

}  // namespace sluice::plugin_host
