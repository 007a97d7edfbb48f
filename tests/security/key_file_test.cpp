// The keys file: valid entries are read into ApiKeys, and every mistake is reported with
// file:line:column and the key it belongs to.
#include <catch2/catch.hpp>

#include "security/key_file.hpp"
#include "security/key_hash.hpp"
#include "test_support.hpp"

using namespace sluice::security;

namespace {

const std::string kHash = hash_key("sk-sluice-test");

std::vector<std::string> errors_of(const std::string& text) {
  try {
    parse_key_file(text, "conf/keys.toml");
  } catch (const KeyFileError& e) {
    std::vector<std::string> out;
    for (const auto& p : e.problems()) out.push_back(p.to_string());
    return out;
  }
  return {};
}

// The one error `text` gives, which must start with `prefix` and contain `text_part`.
void check_single_error(const std::string& text, const std::string& prefix,
                        const std::string& text_part) {
  const auto errors = errors_of(text);
  INFO(text);
  REQUIRE(errors.size() == 1);
  INFO(errors[0]);
  CHECK(errors[0].rfind(prefix, 0) == 0);
  CHECK(errors[0].find(text_part) != std::string::npos);
}

std::string entry(const std::string& id, const std::string& extra = "") {
  return "[[key]]\nid = \"" + id + "\"\ntenant = \"acme\"\nhash = \"" + kHash + "\"\n" + extra;
}

}  // namespace

TEST_CASE("a full keys file is read into typed entries", "[security][keyfile]") {
  const auto keys = parse_key_file("# comment\n" + entry("a", R"(models = ["m1", "m2"]
admin = true
requests_per_minute = 60
tokens_per_minute = 100000
max_concurrent = 4
)") + "\n" + entry("b"),
                                   "keys.toml");
  REQUIRE(keys.size() == 2);
  CHECK(keys[0].id == "a");
  CHECK(keys[0].tenant == "acme");
  CHECK(keys[0].hash == kHash);
  CHECK(keys[0].models == std::vector<std::string>{"m1", "m2"});
  CHECK(keys[0].admin);
  CHECK(keys[0].limits.requests_per_minute == 60);
  CHECK(keys[0].limits.tokens_per_minute == 100000);
  CHECK(keys[0].limits.max_concurrent == 4);
  CHECK(keys[0].line == 2);
  CHECK(keys[1].id == "b");
  CHECK(keys[1].models.empty());
  CHECK_FALSE(keys[1].admin);
  CHECK(keys[1].limits.requests_per_minute == 0);
  CHECK(keys[1].limits.tokens_per_minute == 0);
  CHECK(keys[1].limits.max_concurrent == 0);
  CHECK(keys[1].line == 12);
}

TEST_CASE("an empty keys file holds no keys", "[security][keyfile]") {
  CHECK(parse_key_file("", "keys.toml").empty());
  CHECK(parse_key_file("# all keys revoked\n", "keys.toml").empty());
}

TEST_CASE("a missing id, tenant or hash names the line of its [[key]]", "[security][keyfile]") {
  check_single_error("[[key]]\ntenant = \"t\"\nhash = \"" + kHash + "\"\n",
                     "conf/keys.toml:1:1: key #1: ", "missing required field 'id'");
  check_single_error(entry("a") + "\n[[key]]\nid = \"b\"\nhash = \"" + kHash + "\"\n",
                     "conf/keys.toml:6:1: key 'b': ", "missing required field 'tenant'");
  check_single_error("\n\n[[key]]\nid = \"c\"\ntenant = \"t\"\n",
                     "conf/keys.toml:3:1: key 'c': ", "missing required field 'hash'");
}

TEST_CASE("a duplicate id names both places", "[security][keyfile]") {
  check_single_error(entry("a") + entry("b") + entry("a"), "conf/keys.toml:10:6: key 'a': ",
                     "duplicate id (first used at conf/keys.toml:2)");
}

TEST_CASE("a hash not in hash_key's format is refused", "[security][keyfile]") {
  check_single_error("[[key]]\nid = \"a\"\ntenant = \"t\"\nhash = \"sha256$abc$def\"\n",
                     "conf/keys.toml:4:8: key 'a': ", "hash must be sha256$");
  check_single_error("[[key]]\nid = \"a\"\ntenant = \"t\"\nhash = 12\n",
                     "conf/keys.toml:4:8: key 'a': ", "found an integer");
  // A key pasted into hash: refused, and not echoed back.
  const auto errors =
      errors_of("[[key]]\nid = \"a\"\ntenant = \"t\"\nhash = \"sk-sluice-secretvalue\"\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find("plaintext") != std::string::npos);
  CHECK(errors[0].find("secretvalue") == std::string::npos);
}

TEST_CASE("a plaintext key field is refused", "[security][keyfile]") {
  check_single_error(
      entry("a", "key = \"sk-sluice-secretvalue\"\n"),
      "conf/keys.toml:5:1: key 'a': ", "field 'key' would hold the key in plain text");
  check_single_error(entry("a", "secret = \"x\"\n"), "conf/keys.toml:5:1: key 'a': ",
                     "field 'secret' would hold the key in plain text");
  CHECK(errors_of(entry("a", "key = \"sk-sluice-secretvalue\"\n"))[0].find("secretvalue") ==
        std::string::npos);
  // And a bare key at the top level.
  check_single_error("key = \"sk-sluice-secretvalue\"\n",
                     "conf/keys.toml:1:", "a plaintext key is never stored");
}

TEST_CASE("an unknown field is refused with a suggestion", "[security][keyfile]") {
  check_single_error(entry("a", "tenent = \"x\"\n"), "conf/keys.toml:5:1: key 'a': ",
                     "unknown field 'tenent' (did you mean 'tenant'?)");
  check_single_error(entry("a", "requests_per_minut = 3\n"), "conf/keys.toml:5:1: key 'a': ",
                     "unknown field 'requests_per_minut' (did you mean 'requests_per_minute'?)");
  check_single_error(entry("a", "colour = 3\n"),
                     "conf/keys.toml:5:1: key 'a': ", "unknown field 'colour'");
  CHECK(errors_of(entry("a", "colour = 3\n"))[0].find("did you mean") == std::string::npos);
  check_single_error("[server]\nport = 1\n",
                     "conf/keys.toml:1:2: ", "unknown top-level entry 'server'");
}

TEST_CASE("limits must be integers >= 0", "[security][keyfile]") {
  check_single_error(entry("a", "requests_per_minute = -1\n"), "conf/keys.toml:5:23: key 'a': ",
                     "requests_per_minute must be between 0 (unlimited) and 4294967295, found -1");
  check_single_error(entry("a", "tokens_per_minute = -5\n"),
                     "conf/keys.toml:5:21: key 'a': ", "tokens_per_minute must be between 0");
  check_single_error(entry("a", "max_concurrent = 4294967296\n"),
                     "conf/keys.toml:5:18: key 'a': ", "found 4294967296");
  check_single_error(entry("a", "max_concurrent = 1.5\n"), "conf/keys.toml:5:18: key 'a': ",
                     "max_concurrent must be an integer >= 0 (0 = unlimited), found a float");
}

TEST_CASE("other wrong types and values", "[security][keyfile]") {
  check_single_error(entry("a", "admin = \"yes\"\n"),
                     "conf/keys.toml:5:9: key 'a': ", "admin must be true or false");
  check_single_error(entry("a", "models = \"m\"\n"),
                     "conf/keys.toml:5:10: key 'a': ", "models must be an array");
  check_single_error(entry("a", "models = [\"m\", 3]\n"), "conf/keys.toml:5:16: key 'a': ",
                     "models must hold non-empty model names, found an integer");
  check_single_error(entry("has space"), "conf/keys.toml:2:6: key #1: ", "id must be");
  check_single_error("[[key]]\nid = \"a\"\ntenant = \"\"\nhash = \"" + kHash + "\"\n",
                     "conf/keys.toml:3:10: key 'a': ", "tenant must be a non-empty string");
}

TEST_CASE("every problem in the file is reported, in line order", "[security][keyfile]") {
  const auto errors =
      errors_of(entry("a", "tenent = 1\n") + "[[key]]\nid = \"b\"\n" + entry("a", "admin = 1\n"));
  REQUIRE(errors.size() == 5);
  CHECK(errors[0].rfind("conf/keys.toml:5:1: key 'a': unknown field 'tenent'", 0) == 0);
  CHECK(errors[1].rfind("conf/keys.toml:6:1: key 'b': missing required field 'tenant'", 0) == 0);
  CHECK(errors[2].rfind("conf/keys.toml:6:1: key 'b': missing required field 'hash'", 0) == 0);
  CHECK(errors[3].rfind("conf/keys.toml:9:6: key 'a': duplicate id", 0) == 0);
  CHECK(errors[4].rfind("conf/keys.toml:12:9: key 'a': admin must be", 0) == 0);
}

TEST_CASE("a TOML syntax error names its line", "[security][keyfile]") {
  const auto errors = errors_of("[[key]]\nid = \"a\n");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].rfind("conf/keys.toml:2:", 0) == 0);
}

TEST_CASE("load_key_file reads a file and names it in errors", "[security][keyfile]") {
  sluice::test::ScratchDir dir;
  const auto good = dir.write("keys.toml", entry("a"));
  REQUIRE(load_key_file(good).size() == 1);
  const auto bad = dir.write("bad.toml", entry("a", "key = \"x\"\n"));
  try {
    load_key_file(bad);
    FAIL("no error");
  } catch (const KeyFileError& e) {
    CHECK(std::string(e.what()).rfind(bad.string() + ":5:1: key 'a': ", 0) == 0);
  }
  CHECK_THROWS_WITH(load_key_file(dir.path() / "absent.toml"),
                    Catch::Contains("cannot read the keys file"));
}
