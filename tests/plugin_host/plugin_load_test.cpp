// Loading: what the host accepts, what it refuses, and that refusing never crashes it.
#include <catch2/catch.hpp>
#include <fstream>
#include <random>

#include "plugin_host/descriptor_check.hpp"
#include "plugin_host/plugin_library.hpp"
#include "sluice/guardrail.h"
#include "test_support.hpp"

using sluice::plugin_host::LoadOptions;
using sluice::plugin_host::LoadState;
using sluice::plugin_host::PluginLibrary;
using namespace sluice::test;

namespace {

PluginLibrary::Outcome load(const std::filesystem::path& path, const std::string& name) {
  LoadOptions options;
  options.path = path;
  options.name = name;
  return PluginLibrary::load(options);
}

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("a well-formed plugin loads and reports its descriptor", "[plugin_host]") {
  auto outcome = load(test_plugin("good-scheduler"), "good-scheduler");
  REQUIRE(outcome.info.state == LoadState::loaded);
  REQUIRE(outcome.library);
  CHECK(outcome.info.reason.empty());
  CHECK(outcome.library->kind() == SLUICE_KIND_SCHEDULER);
  CHECK(outcome.info.version == "0.0.1");
  CHECK(sluice::plugin_host::abi_version_string(outcome.info.abi_version) == "1.1");
  CHECK(outcome.info.sha256.size() == 64);
  CHECK(outcome.info.probe_score == 1);
  CHECK(library_is_loaded(test_plugin("good-scheduler")));
  outcome.library.reset();
  CHECK_FALSE(library_is_loaded(test_plugin("good-scheduler")));
}

TEST_CASE("every template plugin loads", "[plugin_host]") {
  for (const char* name : {"template-backend", "template-scheduler", "template-guardrail"}) {
    INFO(name);
    auto outcome = load(template_plugin(name), name);
    CHECK(outcome.info.state == LoadState::loaded);
    CHECK(outcome.info.reason == "");
    // C and C++ plugins alike can be unloaded again (hot-swap depends on it).
    outcome.library.reset();
    CHECK_FALSE(library_is_loaded(template_plugin(name)));
  }
}

TEST_CASE("optional slots are called only when the vtable covers and sets them", "[plugin_host]") {
  auto outcome = load(template_plugin("template-guardrail"), "template-guardrail");
  REQUIRE(outcome.library);
  CHECK(outcome.library->has_slot(offsetof(sluice_guardrail_vtable, filter_output)));
  CHECK_FALSE(outcome.library->has_slot(offsetof(sluice_guardrail_vtable, on_complete)));
  // A slot past the vtable's struct_size reads as absent, whatever lies in memory there.
  CHECK_FALSE(outcome.library->has_slot(sizeof(sluice_guardrail_vtable)));
}

TEST_CASE("the host refuses broken plugins, naming the file and the cause", "[plugin_host]") {
  struct Case {
    const char* name;
    LoadState state;
    std::vector<std::string> reason_has;
  };
  const Case cases[] = {
      {"bad-major",
       LoadState::refused,
       {"built for plugin ABI 2.0", "this host implements 1.1", "major"}},
      {"bad-minor", LoadState::refused, {"built for plugin ABI 1.2", "newer than this host's 1.1"}},
      {"no-entry", LoadState::refused, {"no sluice_plugin_entry symbol"}},
      {"null-desc", LoadState::refused, {"returned no descriptor"}},
      {"small-desc", LoadState::refused, {"struct_size", "smaller than the ABI 1.0 descriptor"}},
      {"bad-kind", LoadState::refused, {"kind 7"}},
      {"null-slot", LoadState::refused, {"required slot 'schedule' NULL"}},
      {"short-vtable", LoadState::refused, {"does not reach required slot 'schedule'"}},
      {"name-mismatch", LoadState::refused, {"'someone-else'", "'name-mismatch'"}},
      {"probe-zero", LoadState::unsupported, {"cannot run on this machine"}},
      {"init-fails", LoadState::refused, {"init failed: UNAVAILABLE: no device for this test"}},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    LogCapture log;
    auto outcome = load(test_plugin(c.name), c.name);
    CHECK(outcome.info.state == c.state);
    CHECK_FALSE(outcome.library);
    for (const auto& part : c.reason_has) CHECK_THAT(outcome.info.reason, Catch::Contains(part));
    if (c.state == LoadState::refused) {
      // The operator's log line names the file as well as the cause.
      CHECK(log.contains(test_plugin(c.name).string() + ": " + outcome.info.reason));
    }
    CHECK_FALSE(library_is_loaded(test_plugin(c.name)));
  }
}

TEST_CASE("files that are not shared objects are refused without a crash", "[plugin_host]") {
  ScratchDir dir;
  const std::string good = file_bytes(test_plugin("good-scheduler"));
  REQUIRE(good.size() > 4096);

  std::mt19937 rng(42);
  std::string random_bytes(8192, '\0');
  for (char& c : random_bytes) c = static_cast<char>(rng());
  std::string elf_then_noise = good.substr(0, 64) + random_bytes;

  const std::vector<std::pair<std::string, std::string>> files = {
      {"empty", ""},
      {"random", random_bytes},
      {"text", "this is not a shared object\n"},
      {"elf-header-then-noise", elf_then_noise},
      {"truncated-16", good.substr(0, 16)},
      {"truncated-64", good.substr(0, 64)},
      {"truncated-1k", good.substr(0, 1024)},
      {"truncated-quarter", good.substr(0, good.size() / 4)},
      {"truncated-half", good.substr(0, good.size() / 2)},
  };
  for (const auto& [name, content] : files) {
    INFO(name);
    const auto path = dir.write(name + ".so", content);
    auto outcome = load(path, name);
    CHECK(outcome.info.state == LoadState::refused);
    CHECK_THAT(outcome.info.reason, Catch::Contains("not a loadable shared object"));
  }

  auto missing = load(dir.path() / "absent.so", "absent");
  CHECK(missing.info.state == LoadState::refused);
  CHECK(missing.info.reason == "not a regular file");
}

TEST_CASE("sha256 pins are enforced before the file is loaded", "[plugin_host]") {
  auto first = load(test_plugin("good-scheduler"), "good-scheduler");
  REQUIRE(first.info.state == LoadState::loaded);
  const std::string actual = first.info.sha256;
  first.library.reset();

  LoadOptions options;
  options.path = test_plugin("good-scheduler");
  options.name = "good-scheduler";

  SECTION("a matching pin loads") {
    options.sha256 = actual;
    CHECK(PluginLibrary::load(options).info.state == LoadState::loaded);
  }
  SECTION("a different pin is refused, showing both hashes") {
    options.sha256 = std::string(64, '0');
    auto outcome = PluginLibrary::load(options);
    CHECK(outcome.info.state == LoadState::refused);
    CHECK_THAT(outcome.info.reason, Catch::Contains("sha256 mismatch") &&
                                        Catch::Contains(std::string(64, '0')) &&
                                        Catch::Contains(actual));
    CHECK_FALSE(library_is_loaded(options.path));
  }
  SECTION("require_sha256 refuses unpinned files") {
    options.require_sha256 = true;
    auto outcome = PluginLibrary::load(options);
    CHECK(outcome.info.state == LoadState::refused);
    CHECK_THAT(outcome.info.reason, Catch::Contains("require_sha256"));
  }
}
