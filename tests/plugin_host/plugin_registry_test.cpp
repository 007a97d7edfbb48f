// Discovery from folders and the configuration: names, duplicates, disabled, missing.
#include <algorithm>
#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "plugin_host/pipeline_check.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "test_support.hpp"

using namespace sluice::test;
using sluice::plugin_host::LoadState;
using sluice::plugin_host::PluginInfo;
using sluice::plugin_host::PluginRegistry;

namespace {

const PluginInfo* info_for(const PluginRegistry& r, const std::string& name, LoadState state) {
  for (const auto& i : r.plugins()) {
    if (i.name == name && i.state == state) return &i;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("plugin names come from file names", "[registry]") {
  CHECK(sluice::plugin_host::plugin_name_of("/x/libfoo.so") == "foo");
  CHECK(sluice::plugin_host::plugin_name_of("/x/foo-bar.so") == "foo-bar");
  CHECK(sluice::plugin_host::plugin_name_of("/x/lib.so") == "lib");
}

TEST_CASE("the registry loads a folder as the configuration says", "[registry]") {
  ScratchDir dir;
  std::filesystem::copy_file(template_plugin("template-scheduler"),
                             dir.path() / "template-scheduler.so");
  std::filesystem::copy_file(template_plugin("template-backend"),
                             dir.path() / "template-backend.so");
  std::filesystem::copy_file(test_plugin("bad-major"), dir.path() / "bad-major.so");
  std::filesystem::create_directories(dir.path() / "other");
  // Same name in a second folder: the first one found wins.
  std::filesystem::copy_file(template_plugin("template-scheduler"),
                             dir.path() / "other" / "template-scheduler.so");
  const auto config_file = dir.write("sluice.toml", R"(
[plugins]
dirs = [".", "other", "nowhere"]

[plugin.template-backend]
enabled = false

[plugin.test-guardrail]
path = ")" + test_plugin("test-guardrail").string() + R"("
[plugin.test-guardrail.config]
mode = "strict"

[plugin.never-built]
)");
  const auto config = sluice::config::load_config_file(config_file);
  PluginRegistry registry;
  registry.load_all(config);

  CHECK(registry.find("template-scheduler"));
  CHECK(registry.find("test-guardrail"));
  CHECK_FALSE(registry.find("template-backend"));
  CHECK(info_for(registry, "template-backend", LoadState::disabled));
  const auto* major = info_for(registry, "bad-major", LoadState::refused);
  REQUIRE(major);
  CHECK_THAT(major->reason, Catch::Contains("2.0"));
  const auto* dup = info_for(registry, "template-scheduler", LoadState::refused);
  REQUIRE(dup);
  CHECK_THAT(dup->reason, Catch::Contains("duplicate"));
  const auto* missing = info_for(registry, "never-built", LoadState::missing);
  REQUIRE(missing);
  CHECK_THAT(missing->reason, Catch::Contains("sluice.toml:"));
  const auto& warnings = registry.warnings();
  CHECK(std::any_of(warnings.begin(), warnings.end(),
                    [](const std::string& w) { return w.find("nowhere") != std::string::npos; }));
  // The plugin's own table reached it as JSON.
  CHECK(config.plugin.at("test-guardrail").config_json == R"({"mode":"strict"})");
}

TEST_CASE("names in [pipeline] and [[model]] must be loaded plugins of the right kind",
          "[registry]") {
  sluice::config::Config config;
  config.plugins.dirs = {template_plugin("template-backend").parent_path()};
  config.pipeline.backends = {"template-backend", "cuda"};
  config.pipeline.guardrails = {"template-scheduler"};
  sluice::config::ModelConfig model;
  model.name = "m";
  model.scheduler = "template-scheduler";
  config.models.push_back(model);
  PluginRegistry registry;
  registry.load_all(config);
  CHECK(sluice::plugin_host::unresolved_plugin_references(config, registry) ==
        std::vector<std::string>{
            "pipeline.backends names 'cuda', which is not a loaded backend plugin",
            "pipeline.guardrails names 'template-scheduler', which is not a loaded guardrail "
            "plugin (it is a scheduler)"});
}
