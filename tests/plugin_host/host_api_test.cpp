// The host function table as a plugin sees it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "plugin_host/host_api.hpp"
#include "plugin_host/host_objects.hpp"
#include "plugin_host/plugin_error.hpp"
#include "test_support.hpp"

using sluice::plugin_host::HostApi;

namespace {

struct RecordingSink final : sluice_token_sink_s {
  std::vector<int32_t> tokens;
  bool stop = false;
  sluice_status on_tokens(const sluice_token_event* events, size_t n) override {
    for (size_t i = 0; i < n; ++i) tokens.push_back(events[i].token);
    return stop ? SLUICE_ERR_CANCELLED : SLUICE_OK;
  }
};

}  // namespace

TEST_CASE("host table: versions and sizes", "[host_api]") {
  HostApi host("unit");
  const sluice_host_api* t = host.table();
  CHECK(t->struct_size == sizeof(sluice_host_api));
  CHECK(t->abi_version == SLUICE_ABI_VERSION);
}

TEST_CASE("host table: error objects carry code and message", "[host_api]") {
  HostApi host("unit");
  const sluice_host_api* t = host.table();
  sluice_error* e = t->error_new(t, SLUICE_ERR_UNAVAILABLE, "busy");
  REQUIRE(e != nullptr);
  CHECK(t->error_code(t, e) == SLUICE_ERR_UNAVAILABLE);
  CHECK(std::string(t->error_message(t, e)) == "busy");
  auto result = sluice::plugin_host::take_error(SLUICE_ERR_UNAVAILABLE, e);  // frees e
  CHECK(result.message == "busy");
  t->error_free(t, nullptr);  // accepted
  auto no_detail = sluice::plugin_host::take_error(SLUICE_ERR_INTERNAL, nullptr);
  CHECK(no_detail.message == "plugin gave no error detail");
}

TEST_CASE("host table: aligned allocation", "[host_api]") {
  HostApi host("unit");
  const sluice_host_api* t = host.table();
  for (size_t alignment : {0u, 8u, 64u, 4096u}) {
    void* p = t->alloc(t, 1000, alignment);
    REQUIRE(p != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(p) % (alignment == 0 ? 16 : alignment) == 0);
    t->free(t, p);
  }
  CHECK(t->alloc(t, 16, 3) == nullptr);  // not a power of two
  t->free(t, nullptr);
}

TEST_CASE("host table: cancellation and token emission", "[host_api]") {
  HostApi host("unit");
  const sluice_host_api* t = host.table();
  sluice_cancel_token_s token;
  CHECK_FALSE(t->is_cancelled(t, nullptr));
  CHECK_FALSE(t->is_cancelled(t, &token));
  token.cancel();
  CHECK(t->is_cancelled(t, &token));

  RecordingSink sink;
  sluice_token_event events[2];
  for (int i = 0; i < 2; ++i) {
    SLUICE_INIT(sluice_token_event, &events[i]);
    events[i].token = 10 + i;
  }
  CHECK(t->emit_tokens(t, &sink, events, 2) == SLUICE_OK);
  sink.stop = true;
  CHECK(t->emit_tokens(t, &sink, events, 1) == SLUICE_ERR_CANCELLED);
  CHECK(sink.tokens == std::vector<int32_t>{10, 11, 10});
  CHECK(t->emit_tokens(t, nullptr, events, 1) == SLUICE_ERR_INVALID_ARG);

  const uint64_t a = t->now_ns(t);
  const uint64_t b = t->now_ns(t);
  CHECK(b >= a);
}

TEST_CASE("host table: log lines carry the plugin's name", "[host_api]") {
  sluice::test::LogCapture log;
  HostApi host("my-plugin");
  const sluice_host_api* t = host.table();
  t->log(t, SLUICE_LOG_WARN, "careful");
  t->log(t, SLUICE_LOG_INFO, nullptr);  // ignored, not a crash
  CHECK(t->log_enabled(t, SLUICE_LOG_DEBUG));
  CHECK(log.contains("my-plugin"));
  CHECK(log.contains("careful"));
}
