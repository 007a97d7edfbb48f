// The pii guardrail's configuration: defaults, every key, and rejections naming the key.
#include <catch2/catch.hpp>
#include <filesystem>

#include "pii_harness.hpp"
#include "test_support.hpp"

using namespace pii_test;

TEST_CASE("pii config: empty and default configurations are accepted", "[pii][config]") {
  CHECK(try_create("{}").ok());
  CHECK(try_create("").ok());
  CHECK(try_create(R"({"entities": ["email", "phone", "card", "iban", "ssn", "ipv4", "ipv6",
                       "secret"], "mode": "redact", "modes": {}, "scan_prompt": true,
                       "scan_output": true, "entropy_min_length": 24,
                       "entropy_threshold": 3.7})")
            .ok());
}

TEST_CASE("pii config: a bad configuration is refused with the key named", "[pii][config]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"colour": "red"})", "'colour'"},
      {R"({"mode": "blur"})", "'mode'"},
      {R"({"mode": 3})", "'mode'"},
      {R"({"modes": {"fax": "mask"}})", "'modes.fax'"},
      {R"({"modes": {"email": "hide"}})", "'modes.email'"},
      {R"({"modes": ["email"]})", "'modes'"},
      {R"({"entities": ["email", "passport"]})", "'entities'"},
      {R"({"entities": "email"})", "'entities'"},
      {R"({"entities": []})", "'entities'"},
      {R"({"entities": [1]})", "'entities'"},
      {R"({"scan_prompt": "yes"})", "'scan_prompt'"},
      {R"({"scan_output": 1})", "'scan_output'"},
      {R"({"entropy_min_length": 4})", "'entropy_min_length'"},
      {R"({"entropy_min_length": 20.5})", "'entropy_min_length'"},
      {R"({"entropy_min_length": 1000})", "'entropy_min_length'"},
      {R"({"entropy_threshold": -1})", "'entropy_threshold'"},
      {R"({"entropy_threshold": "high"})", "'entropy_threshold'"},
      {R"([1, 2])", "object"},
      {R"({"mode": )", "JSON"},
  };
  for (const auto& [config, named] : cases) {
    INFO("config " << config);
    const auto result = try_create(config);
    CHECK(result.status == SLUICE_ERR_INVALID_ARG);
    CHECK_THAT(result.message, Catch::Contains(named));
  }
}

TEST_CASE("pii config: the entropy settings decide which generic tokens are secrets",
          "[pii][config]") {
  const std::string prompt = "token Qm9vTk3xLp8ZrW2vB7yTcD4s here";  // 28 random characters
  Guardrail by_default;
  CHECK(redacted_prompt(by_default, prompt) == "token [SECRET] here");
  Guardrail longer(R"({"entropy_min_length": 32})");
  CHECK(redacted_prompt(longer, prompt) == prompt);
  Guardrail stricter(R"({"entropy_threshold": 5.5})");
  CHECK(redacted_prompt(stricter, prompt) == prompt);
  // Known formats do not depend on entropy.
  CHECK(redacted_prompt(stricter, "id AKIAIOSFODNN7EXAMPLE") == "id [SECRET]");
}

TEST_CASE("pii config: the load-time configuration gives defaults each instance overrides",
          "[pii][config]") {
  // A private copy of pii.so, so this load has its own globals and does not disturb the
  // copy every other test uses.
  sluice::test::ScratchDir dir;
  const auto copy = dir.path() / "pii.so";
  std::filesystem::copy_file(SLUICE_PII_PLUGIN, copy);
  sluice::plugin_host::LoadOptions options;
  options.path = copy;
  options.name = "pii";

  options.config_json = R"({"mode": "mosaic"})";
  const auto refused = sluice::plugin_host::PluginLibrary::load(options);
  CHECK_FALSE(refused.library);
  CHECK_THAT(refused.info.reason, Catch::Contains("'mode'"));

  options.config_json = R"({"mode": "mask", "entities": ["email"]})";
  const auto loaded = sluice::plugin_host::PluginLibrary::load(options);
  REQUIRE(loaded.library);
  const auto& vt = loaded.library->vtable<sluice_guardrail_vtable>();
  const auto redact_with = [&](const std::string& config, const std::string& prompt) {
    sluice_guardrail* guardrail = nullptr;
    sluice_error* error = nullptr;
    REQUIRE(sluice::plugin_host::take_error(
                vt.create(config.data(), config.size(), &guardrail, &error), error)
                .ok());
    sluice_guard_request request;
    SLUICE_INIT(sluice_guard_request, &request);
    request.prompt = sluice_str{prompt.data(), prompt.size()};
    sluice_guard_stream* stream = nullptr;
    REQUIRE(vt.stream_open(guardrail, &request, &stream, &error) == SLUICE_OK);
    sluice_guard_verdict verdict;
    SLUICE_INIT(sluice_guard_verdict, &verdict);
    REQUIRE(vt.check_request(stream, &verdict, &error) == SLUICE_OK);
    std::string out = verdict.action == SLUICE_GUARD_REWRITE
                          ? std::string(verdict.prompt.data, verdict.prompt.size)
                          : prompt;
    vt.stream_close(stream);
    vt.destroy(guardrail);
    return out;
  };
  const std::string prompt = "mail ann@example.org or call (555) 123-4567";
  CHECK(redact_with("{}", prompt) == "mail ***@*******.*** or call (555) 123-4567");
  CHECK(redact_with(R"({"mode": "redact"})", prompt) == "mail [EMAIL] or call (555) 123-4567");
  CHECK(redact_with(R"({"entities": ["phone"]})", prompt) ==
        "mail ann@example.org or call (***) ***-****");
}
