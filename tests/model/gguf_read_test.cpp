// Every GGUF in ../shared opens and reads as llama.cpp wrote it.
#include <catch2/catch.hpp>
#include <set>

#include "model/ggml_type.hpp"
#include "model/gguf_file.hpp"
#include "test_support.hpp"

using sluice::model::GgufFile;
using namespace sluice::test;

TEST_CASE("stories260K's metadata and tensors", "[gguf]") {
  const auto path = shared_file("models/stories260K.gguf");
  if (path.empty()) return;
  const auto file = GgufFile::open(path);
  CHECK(file.version() == 3);
  CHECK(file.alignment() == 32);
  CHECK(file.require_string("general.architecture") == "llama");
  CHECK(file.get_int("llama.block_count") == 5);
  CHECK(file.get_string("tokenizer.ggml.model") == "llama");
  const auto* tokens = file.find("tokenizer.ggml.tokens");
  REQUIRE(tokens != nullptr);
  CHECK(tokens->count == 512);
  CHECK(tokens->strings.size() == 512);
  const auto* embd = file.find_tensor("token_embd.weight");
  REQUIRE(embd != nullptr);
  CHECK(embd->n_dims == 2);
  CHECK(embd->dims[0] == 64);
  CHECK(embd->dims[1] == 512);
  CHECK(embd->size_bytes == 64 * 512 * 4);
  CHECK(embd->data >= file.bytes().data() + file.data_offset());
  CHECK(embd->data + embd->size_bytes <= file.bytes().data() + file.file_size());
}

TEST_CASE("every shared model and vocabulary opens", "[gguf]") {
  const auto dir = shared_dir();
  if (!std::filesystem::exists(dir / "models")) {
    std::printf("SKIPPED: %s is absent\n", (dir / "models").string().c_str());
    return;
  }
  int opened = 0;
  for (const char* sub : {"models", "vocab"}) {
    for (const auto& entry : std::filesystem::directory_iterator(dir / sub)) {
      if (entry.path().extension() != ".gguf") continue;
      INFO(entry.path());
      CHECK_NOTHROW(GgufFile::open(entry.path()));
      ++opened;
    }
  }
  CHECK(opened >= 21);
}

TEST_CASE("quantized files carry the llama.cpp block types", "[gguf]") {
  const auto path = shared_file("models/tiny-q4_k_m.gguf");
  if (path.empty()) return;
  const auto file = GgufFile::open(path);
  std::set<std::string> types;
  for (const auto& t : file.tensors()) types.insert(sluice::model::ggml_type_name(t.type));
  CHECK(types.count("Q4_K") == 1);
  CHECK(types.count("Q6_K") == 1);
}

TEST_CASE("a missing file is an io error naming it", "[gguf]") {
  try {
    GgufFile::open("/nonexistent/model.gguf");
    FAIL("opened");
  } catch (const sluice::model::GgufError& e) {
    CHECK(e.code() == sluice::model::GgufError::Code::io);
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/model.gguf"));
  }
}
