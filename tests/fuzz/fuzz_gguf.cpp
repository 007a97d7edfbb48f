// libFuzzer target: the GGUF reader on arbitrary bytes. Anything but a GgufError
// escaping, a sanitizer report, or a file that reads but whose rewrite does not read
// back, is a finding.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <sstream>

#include "model/gguf_file.hpp"
#include "model/gguf_writer.hpp"
#include "model/model_description.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sluice::model;
  try {
    const GgufFile file = GgufFile::parse(std::span<const uint8_t>(data, size));
    try {
      (void)ModelDescription::from_gguf(file);
    } catch (const GgufError&) {
    }
    for (const auto& kv : file.metadata()) (void)kv.value.to_json();
    // Property: whatever the reader accepts, the writer writes in a form it accepts again.
    std::ostringstream out;
    GgufWriter::from(file).write(out);
    const std::string rewritten = out.str();
    const GgufFile again = GgufFile::parse(std::span<const uint8_t>(
        reinterpret_cast<const uint8_t*>(rewritten.data()), rewritten.size()));
    if (again.metadata().size() != file.metadata().size() ||
        again.tensors().size() != file.tensors().size()) {
      std::abort();
    }
  } catch (const GgufError&) {
  }
  return 0;
}
