// Read, write, compare bytes: the writer reproduces every shared file exactly, and a
// file written from scratch reads back with the same values.
#include <catch2/catch.hpp>
#include <sstream>

#include "gguf_builder.hpp"
#include "model/gguf_file.hpp"
#include "model/gguf_writer.hpp"
#include "test_support.hpp"

using sluice::model::GgufFile;
using sluice::model::GgufValue;
using sluice::model::GgufWriter;
using namespace sluice::test;

namespace {

std::string written(const GgufWriter& writer) {
  std::ostringstream out;
  writer.write(out);
  return out.str();
}

std::string bytes_of(const GgufFile& file) {
  return std::string(reinterpret_cast<const char*>(file.bytes().data()), file.bytes().size());
}

}  // namespace

TEST_CASE("every shared GGUF round-trips byte for byte", "[gguf]") {
  const auto dir = shared_dir();
  if (!std::filesystem::exists(dir / "vocab")) {
    std::printf("SKIPPED: %s is absent\n", (dir / "vocab").string().c_str());
    return;
  }
  int compared = 0;
  for (const char* sub : {"models", "vocab"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir / sub)) {
      if (entry.path().extension() != ".gguf") continue;
      INFO(entry.path());
      const auto file = GgufFile::open(entry.path());
      const std::string out = written(GgufWriter::from(file));
      CHECK(out.size() == file.file_size());
      CHECK((out == bytes_of(file)));
      ++compared;
    }
  }
  CHECK(compared >= 21);
}

TEST_CASE("the hand-built sample round-trips", "[gguf]") {
  const auto b = sample_gguf();
  const auto file = GgufFile::parse(b.bytes);
  const std::string out = written(GgufWriter::from(file));
  CHECK(out == std::string(b.bytes.begin(), b.bytes.end()));
}

TEST_CASE("a file written from scratch reads back", "[gguf]") {
  ScratchDir dir;
  GgufWriter writer;
  writer.set("general.architecture", GgufValue::of_string("llama"));
  writer.set("x.count", GgufValue::of_uint32(7));
  writer.set("x.scores", GgufValue::of_float32s({0.5f, -1.25f}));
  writer.set("x.tokens", GgufValue::of_strings({"<s>", "\xe2\x96\x81hi"}));
  writer.set("x.count", GgufValue::of_uint32(8));  // replaces in place
  std::vector<uint8_t> data(4 * 34);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i);
  writer.add_tensor({"w", 8, {64, 2}, data});
  CHECK_THROWS_AS(writer.add_tensor({"w", 8, {64, 2}, data}), sluice::model::GgufError);
  CHECK_THROWS_AS(writer.add_tensor({"bad", 8, {64, 3}, data}), sluice::model::GgufError);
  const auto path = dir.path() / "out.gguf";
  writer.write_file(path);

  const auto file = GgufFile::open(path);
  REQUIRE(file.metadata().size() == 4);
  CHECK(file.metadata()[1].key == "x.count");
  CHECK(file.get_int("x.count") == 8);
  CHECK(file.find("x.scores")->float_at(1) == -1.25);
  CHECK(file.find("x.tokens")->strings.at(1) == "\xe2\x96\x81hi");
  const auto* w = file.find_tensor("w");
  REQUIRE(w != nullptr);
  CHECK(std::equal(data.begin(), data.end(), w->data));
  CHECK(file.file_size() % 32 == 0);
}
