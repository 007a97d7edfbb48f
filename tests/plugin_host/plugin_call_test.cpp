// Calls into a plugin: failures come back as status + message, exceptions stay inside.
#include <catch2/catch.hpp>

#include "plugin_host/guardrail_fixture.hpp"

using namespace sluice::test;

TEST_CASE("a failing plugin call returns its status and message to the host", "[plugin_call]") {
  auto guardrail = create_guardrail(load_test_guardrail());
  REQUIRE(guardrail);

  auto ok = check_prompt(guardrail, "hello");
  CHECK(ok.result.status == SLUICE_OK);
  CHECK(ok.verdict.action == SLUICE_GUARD_ALLOW);

  auto denied = check_prompt(guardrail, "please deny this");
  CHECK(denied.result.status == SLUICE_OK);
  CHECK(denied.verdict.action == SLUICE_GUARD_DENY);
  CHECK(denied.verdict.http_status == 403);
  CHECK(denied.reason == "the word 'deny' is not allowed");

  auto failed = check_prompt(guardrail, "fail");
  CHECK(failed.result.status == SLUICE_ERR_INVALID_ARG);
  CHECK(failed.result.message == "prompt 'fail' is refused");
}

TEST_CASE("exceptions thrown inside a plugin are contained at its edge", "[plugin_call]") {
  auto guardrail = create_guardrail(load_test_guardrail());
  REQUIRE(guardrail);

  auto thrown = check_prompt(guardrail, "throw");
  CHECK(thrown.result.status == SLUICE_ERR_INTERNAL);
  CHECK(thrown.result.message == "thrown inside the plugin");

  auto oom = check_prompt(guardrail, "oom");
  CHECK(oom.result.status == SLUICE_ERR_OUT_OF_MEMORY);

  // The plugin is still usable afterwards.
  CHECK(check_prompt(guardrail, "hello").result.status == SLUICE_OK);
}

TEST_CASE("a status outside the closed set is reported as INTERNAL", "[plugin_call]") {
  auto guardrail = create_guardrail(load_test_guardrail());
  REQUIRE(guardrail);
  auto bogus = check_prompt(guardrail, "bogus-status");
  CHECK(bogus.result.status == SLUICE_ERR_INTERNAL);
  CHECK_THAT(bogus.result.message, Catch::Contains("undefined status 12345"));
}

TEST_CASE("a plugin whose init fails is refused with its message", "[plugin_call]") {
  sluice::plugin_host::LoadOptions options;
  options.path = test_plugin("test-guardrail");
  options.name = "test-guardrail";
  options.config_json = R"({"fail_init": true})";
  auto outcome = sluice::plugin_host::PluginLibrary::load(options);
  CHECK_FALSE(outcome.library);
  CHECK(outcome.info.reason == "init failed: INVALID_ARG: init refused by configuration");
}
