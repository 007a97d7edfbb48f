// The configuration file: typed values with defaults, and errors that point at
// file:line:column and the key.
#include <catch2/catch.hpp>

#include "config/config_loader.hpp"
#include "test_support.hpp"

using sluice::config::ConfigError;
using sluice::config::parse_config;

namespace {

// The diagnostics for `text`, one "file:line:col: key: message" string each.
std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse_config(text, "conf/sluice.toml");
  } catch (const ConfigError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) out.push_back(d.to_string());
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("an empty file gives every default", "[config]") {
  const auto c = parse_config("", "sluice.toml");
  CHECK(c.server.host == "127.0.0.1");
  CHECK(c.server.port == 8080);
  CHECK(c.logging.level == "info");
  CHECK(c.logging.format == "text");
  CHECK(c.plugins.dirs.empty());
  CHECK_FALSE(c.plugins.require_sha256);
  CHECK(c.pipeline.backends == std::vector<std::string>{"cpu"});
  CHECK(c.pipeline.guardrails.empty());
  CHECK(c.models.empty());
}

TEST_CASE("a full file is read into typed values", "[config]") {
  sluice::test::ScratchDir dir;
  dir.write("model.gguf", "x");
  const auto file = dir.write("sluice.toml", R"(
[server]
host = "0.0.0.0"
port = 9000

[logging]
level = "debug"
format = "json"
file = "logs/sluice.log"

[plugins]
dirs = ["plugins", "/opt/sluice/plugins"]
require_sha256 = true

[plugin.guardrail-pii]
sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
[plugin.guardrail-pii.config]
entities = ["email", "phone"]
mode = "redact"
threshold = 0.5
nested = { depth = 2 }

[pipeline]
backends = ["cuda", "cpu"]
guardrails = ["guardrail-pii"]

[[model]]
name = "tiny"
path = "model.gguf"
scheduler = "priority"
)");
  const auto c = sluice::config::load_config_file(file);
  CHECK(c.server.host == "0.0.0.0");
  CHECK(c.server.port == 9000);
  CHECK(c.logging.format == "json");
  CHECK(c.logging.file == dir.path() / "logs/sluice.log");
  REQUIRE(c.plugins.dirs.size() == 2);
  CHECK(c.plugins.dirs[0] == dir.path() / "plugins");
  CHECK(c.plugins.dirs[1] == "/opt/sluice/plugins");
  CHECK(c.plugins.require_sha256);
  const auto& pii = c.plugin.at("guardrail-pii");
  CHECK(pii.sha256 == "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  CHECK(pii.config_json ==
        R"({"entities":["email","phone"],"mode":"redact","nested":{"depth":2},"threshold":0.5})");
  CHECK(c.pipeline.backends == std::vector<std::string>{"cuda", "cpu"});
  REQUIRE(c.models.size() == 1);
  CHECK(c.models[0].path == dir.path() / "model.gguf");
  CHECK(c.models[0].scheduler == "priority");
}

TEST_CASE("an unknown key is named with its position and a suggestion", "[config]") {
  CHECK(errors_of("[server]\nprot = 80\n") ==
        std::vector<std::string>{
            "conf/sluice.toml:2:1: server.prot: unknown key (did you mean 'port'?)"});
  CHECK(errors_of("[sever]\n") ==
        std::vector<std::string>{
            "conf/sluice.toml:1:2: sever: unknown key (did you mean 'server'?)"});
  CHECK(errors_of("zzz = 1\n") ==
        std::vector<std::string>{"conf/sluice.toml:1:1: zzz: unknown key"});
}

TEST_CASE("a wrong type is named with both types", "[config]") {
  CHECK(errors_of("[server]\nport = \"80\"\n") ==
        std::vector<std::string>{
            "conf/sluice.toml:2:8: server.port: expected an integer, found a string"});
  CHECK(errors_of("server = 3\n") ==
        std::vector<std::string>{
            "conf/sluice.toml:1:10: server: expected a table, found an integer"});
  CHECK(errors_of("[pipeline]\nbackends = [\"cpu\", 3]\n") ==
        std::vector<std::string>{
            "conf/sluice.toml:2:20: pipeline.backends[1]: expected a string, found an integer"});
}

TEST_CASE("a missing required key names the table that lacks it", "[config]") {
  CHECK(errors_of("[[model]]\nname = \"a\"\n") ==
        std::vector<std::string>{"conf/sluice.toml:1:1: model[0].path: missing required key"});
}

TEST_CASE("bad values are explained", "[config]") {
  CHECK(errors_of("[server]\nport = 70000\n") ==
        std::vector<std::string>{
            "conf/sluice.toml:2:8: server.port: must be between 1 and 65535, found 70000"});
  CHECK(errors_of("[logging]\nlevel = \"inf\"\n") ==
        std::vector<std::string>{"conf/sluice.toml:2:9: logging.level: 'inf' is not one of: trace, "
                                 "debug, info, warn, error, critical, off (did you mean 'info'?)"});
  auto sha = errors_of("[plugin.x]\nsha256 = \"abc\"\n");
  REQUIRE(sha.size() == 1);
  CHECK_THAT(sha[0], Catch::StartsWith("conf/sluice.toml:2:10: plugin.x.sha256: expected 64"));
  auto name = errors_of("[plugin.\"Bad Name\"]\n");
  REQUIRE(name.size() == 1);
  CHECK_THAT(name[0], Catch::Contains("plugin.Bad Name: 'Bad Name' is not a plugin name"));
  auto model = errors_of("[[model]]\nname = \"a\"\npath = \"does-not-exist.gguf\"\n");
  REQUIRE(model.size() == 1);
  CHECK_THAT(model[0], Catch::StartsWith("conf/sluice.toml:3:8: model[0].path: no such file: "));
  auto dup = errors_of("[[model]]\nname = \"a\"\n[[model]]\nname = \"a\"\n");
  CHECK(std::find_if(dup.begin(), dup.end(), [](const std::string& s) {
          return s.find("model[1].name: model 'a' is defined twice") != std::string::npos;
        }) != dup.end());
}

TEST_CASE("every problem in a file is reported at once", "[config]") {
  auto all = errors_of("[server]\nprot = 1\nport = \"x\"\n[logging]\nformat = \"xml\"\n");
  CHECK(all.size() == 3);
}

TEST_CASE("syntax errors and invalid UTF-8 are errors, not crashes", "[config]") {
  auto syntax = errors_of("[server\nport = 1\n");
  REQUIRE(syntax.size() == 1);
  CHECK_THAT(syntax[0], Catch::StartsWith("conf/sluice.toml:1:"));
  auto utf8 = errors_of("[server]\nhost = \"\xff\xfe\"\n");
  REQUIRE(utf8.size() == 1);
  CHECK_THAT(utf8[0], Catch::StartsWith("conf/sluice.toml:2:"));
  auto unterminated = errors_of("a = \"");
  CHECK(unterminated.size() == 1);
}

TEST_CASE("a file that cannot be read is named", "[config]") {
  try {
    sluice::config::load_config_file("/nonexistent/sluice.toml");
    FAIL("expected an error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == "/nonexistent/sluice.toml: cannot open the file");
  }
}
