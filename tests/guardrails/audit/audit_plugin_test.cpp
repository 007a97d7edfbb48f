// The audit guardrail through the C ABI: which lines each request yields, their fields,
// the content and fsync settings, configuration errors, concurrency, reopening and the
// repair of a torn last line.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <set>
#include <thread>

#include "audit_client.hpp"
#include "audit_test_util.hpp"
#include "telemetry/audit_verify.hpp"
#include "test_support.hpp"

using namespace sluice;
using namespace sluice::test::audit;
using nlohmann::json;

namespace {

std::shared_ptr<plugin_host::PluginLibrary> audit_plugin() {
  return test::load_plugin(SLUICE_AUDIT_PLUGIN, "audit");
}

telemetry::AuditVerifyResult verify_file(const std::filesystem::path& path) {
  std::string error;
  const auto result = telemetry::verify_audit_file(path, error);
  INFO(error);
  REQUIRE(result);
  return *result;
}

std::string zeros() {
  return std::string(64, '0');
}

// The chain fields of every line are what the format promises.
void check_chain(const std::vector<std::string>& lines, uint64_t first_seq = 1) {
  for (size_t i = 0; i < lines.size(); ++i) {
    INFO("line " << i + 1 << ": " << lines[i]);
    const json line = parse_line(lines[i]);
    CHECK(line["seq"] == first_seq + i);
    if (i > 0) CHECK(line["prev"] == sha256_hex(lines[i - 1]));
    const size_t suffix = std::string(",\"hash\":\"").size() + 64 + 2;
    CHECK(line["hash"] == sha256_hex(lines[i].substr(0, lines[i].size() - suffix)));
  }
}

}  // namespace

TEST_CASE("audit: every request yields one line per decision and a request line",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  AuditInstance audit(audit_plugin(), audit_config(path));
  REQUIRE(audit.result().ok());

  TestRequest chat;
  chat.request_id = "chat-1";
  chat.messages = {{"system", "be brief"}, {"user", "hi \"there\"\n"}};
  chat.response = "hello";
  chat.prompt_tokens = 5;
  chat.completion_tokens = 3;
  chat.queue_ns = 1'500'000;
  chat.prompt_ns = 2'000'123;
  chat.generation_ns = 30'456'789;
  chat.ttft_ns = 2'500'000;

  TestRequest rewritten;
  rewritten.request_id = "cmpl-2";
  rewritten.tenant = "beta";
  rewritten.route = "/v1/completions";
  rewritten.prompt = "once upon a time";
  rewritten.response = " there was";
  rewritten.finish_reason = "length";
  rewritten.decisions = {{"pii", SLUICE_GUARD_STAGE_REQUEST, SLUICE_GUARD_REWRITE, "masked email"}};

  TestRequest denied;
  denied.request_id = "chat-3";
  denied.messages = {{"user", "something banned"}};
  denied.denied_earlier = true;
  denied.http_status = 403;
  denied.finish_reason = "denied";
  denied.decisions = {{"blocklist", SLUICE_GUARD_STAGE_REQUEST, SLUICE_GUARD_DENY, "banned word"}};

  TestRequest stopped;
  stopped.request_id = "chat-4";
  stopped.messages = {{"user", "write me something"}};
  stopped.response = "my mail is [email]";
  stopped.finish_reason = "content_filter";
  stopped.decisions = {{"pii", SLUICE_GUARD_STAGE_OUTPUT, SLUICE_GUARD_REDACT, "email"},
                       {"toxicity", SLUICE_GUARD_STAGE_OUTPUT, SLUICE_GUARD_STOP, "toxic"}};

  for (const auto* r : {&chat, &rewritten, &denied, &stopped}) REQUIRE(audit.run(*r).ok());
  audit.destroy();

  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 8);  // 1 + (1+1) + (1+1) + (2+1)
  check_chain(lines);
  CHECK(parse_line(lines[0])["prev"] == zeros());

  std::vector<json> l;
  for (const auto& line : lines) l.push_back(parse_line(line));
  const std::vector<std::string> types = {"request", "decision", "request",  "decision",
                                          "request", "decision", "decision", "request"};
  const std::vector<std::string> ids = {"chat-1", "cmpl-2", "cmpl-2", "chat-3",
                                        "chat-3", "chat-4", "chat-4", "chat-4"};
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)");
  for (size_t i = 0; i < l.size(); ++i) {
    INFO("line " << i + 1 << ": " << lines[i]);
    CHECK(l[i]["type"] == types[i]);
    CHECK(l[i]["request_id"] == ids[i]);
    CHECK(std::regex_match(l[i]["time"].get<std::string>(), rfc3339));
    CHECK(l[i].contains("model"));
    CHECK_FALSE(l[i].contains("prompt"));  // hash mode: no texts
    CHECK_FALSE(l[i].contains("messages"));
    CHECK_FALSE(l[i].contains("response"));
  }
  // The first request, field by field, in the documented order.
  CHECK(lines[0].starts_with(R"({"seq":1,"time":")"));
  CHECK(lines[0].find(R"("type":"request","request_id":"chat-1","tenant":"acme",)"
                      R"("model":"stories260K","route":"/v1/chat/completions","http_status":200,)"
                      R"("decision":"allowed","finish_reason":"stop","prompt_tokens":5,)"
                      R"("completion_tokens":3,"queue_ms":1.500,"prompt_ms":2.000,)"
                      R"("generation_ms":30.456,"ttft_ms":2.500,"prompt_sha256":")") !=
        std::string::npos);
  // A chat's prompt hash covers its messages as compact JSON, as text mode writes them.
  CHECK(
      l[0]["prompt_sha256"] ==
      sha256_hex(
          R"([{"role":"system","content":"be brief"},{"role":"user","content":"hi \"there\"\n"}])"));
  CHECK(l[0]["response_sha256"] == sha256_hex("hello"));
  CHECK(l[0]["queue_ms"].get<double>() == Approx(1.5));

  // The rewrite: its decision line, then the request line.
  CHECK(l[1]["guardrail"] == "pii");
  CHECK(l[1]["stage"] == "request");
  CHECK(l[1]["decision"] == "rewrite");
  CHECK(l[1]["reason"] == "masked email");
  CHECK(l[1]["tenant"] == "beta");
  CHECK(l[2]["decision"] == "rewritten");
  CHECK(l[2]["route"] == "/v1/completions");
  CHECK(l[2]["finish_reason"] == "length");
  CHECK(l[2]["prompt_sha256"] == sha256_hex("once upon a time"));
  CHECK(l[2]["response_sha256"] == sha256_hex(" there was"));

  // The denial by another guardrail (the audit's check_request never ran).
  CHECK(l[3]["guardrail"] == "blocklist");
  CHECK(l[3]["decision"] == "deny");
  CHECK(l[3]["reason"] == "banned word");
  CHECK(l[4]["decision"] == "denied");
  CHECK(l[4]["http_status"] == 403);
  CHECK(l[4]["finish_reason"] == "denied");
  CHECK(l[4]["response_sha256"] == sha256_hex(""));

  // Output decisions, in the order taken.
  CHECK(l[5]["stage"] == "output");
  CHECK(l[5]["decision"] == "redact");
  CHECK(l[5]["reason"] == "email");
  CHECK(l[6]["guardrail"] == "toxicity");
  CHECK(l[6]["decision"] == "stop");
  CHECK(l[7]["decision"] == "stopped");
  CHECK(l[7]["finish_reason"] == "content_filter");

  const auto verdict = verify_file(path);
  CHECK(verdict.ok);
  CHECK(verdict.lines == 8);
}

TEST_CASE("audit: content text records the texts, none records neither", "[guardrail][audit]") {
  test::ScratchDir dir;
  TestRequest chat;
  chat.messages = {{"user", "caf\xc3\xa9 \xf0\x9f\x98\x80 tab\t ctl\x01 bad\xff end"}};
  chat.response = "line1\nline2 \"quoted\" \\";
  TestRequest completion;
  completion.request_id = "req-2";
  completion.prompt = "plain prompt";
  completion.response = "done";

  SECTION("text") {
    const auto path = dir.path() / "text.jsonl";
    AuditInstance audit(audit_plugin(), audit_config(path, {{"content", "text"}}));
    REQUIRE(audit.result().ok());
    REQUIRE(audit.run(chat).ok());
    REQUIRE(audit.run(completion).ok());
    audit.destroy();
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    const json first = parse_line(lines[0]);
    REQUIRE(first["messages"].size() == 1);
    CHECK(first["messages"][0]["role"] == "user");
    // Invalid UTF-8 becomes U+FFFD; everything else round-trips.
    CHECK(first["messages"][0]["content"] ==
          "caf\xc3\xa9 \xf0\x9f\x98\x80 tab\t ctl\x01 bad\xef\xbf\xbd end");
    CHECK(first["response"] == chat.response);
    CHECK_FALSE(first.contains("prompt_sha256"));
    CHECK_FALSE(first.contains("response_sha256"));
    const json second = parse_line(lines[1]);
    CHECK(second["prompt"] == "plain prompt");
    CHECK(second["response"] == "done");
    CHECK_FALSE(second.contains("messages"));
    CHECK(verify_file(path).ok);
  }
  SECTION("none") {
    const auto path = dir.path() / "none.jsonl";
    AuditInstance audit(audit_plugin(), audit_config(path, {{"content", "none"}}));
    REQUIRE(audit.result().ok());
    REQUIRE(audit.run(chat).ok());
    REQUIRE(audit.run(completion).ok());
    audit.destroy();
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == 2);
    for (const auto& line : lines) {
      INFO(line);
      const json l = parse_line(line);
      for (const char* key :
           {"prompt", "messages", "response", "prompt_sha256", "response_sha256"}) {
        CHECK_FALSE(l.contains(key));
      }
      CHECK(l.contains("finish_reason"));
    }
    CHECK(verify_file(path).ok);
  }
}

TEST_CASE("audit: every fsync policy is accepted and records the same lines",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const std::vector<json> policies = {json{{"fsync", "none"}}, json{{"fsync", "every_line"}},
                                      json{{"fsync", "interval"}, {"fsync_interval_ms", 5}},
                                      json::object()};
  for (size_t p = 0; p < policies.size(); ++p) {
    const json& extra = policies[p];
    INFO(extra.dump());
    const auto path = dir.path() / ("log-" + std::to_string(p) + ".jsonl");
    AuditInstance audit(audit_plugin(), audit_config(path, extra));
    REQUIRE(audit.result().ok());
    for (int i = 0; i < 3; ++i) {
      TestRequest r;
      r.request_id = "r" + std::to_string(i);
      r.prompt = "p";
      REQUIRE(audit.run(r).ok());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the interval thread runs
    audit.destroy();
    const auto verdict = verify_file(path);
    CHECK(verdict.ok);
    CHECK(verdict.lines == 3);
  }
}

TEST_CASE("audit: a bad configuration fails create with INVALID_ARG naming the key",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const std::string path = (dir.path() / "audit.jsonl").string();
  const auto library = audit_plugin();
  struct Case {
    std::string config;
    std::string names;
  };
  const std::vector<Case> cases = {
      {"{}", "path: required"},
      {R"({"path":""})", "path:"},
      {R"({"path":1})", "path:"},
      {json{{"path", path}, {"pth", "x"}}.dump(), "pth: unknown key"},
      {json{{"path", path}, {"content", "full"}}.dump(), "content:"},
      {json{{"path", path}, {"content", 1}}.dump(), "content:"},
      {json{{"path", path}, {"fsync", "sometimes"}}.dump(), "fsync:"},
      {json{{"path", path}, {"fsync_interval_ms", 0}}.dump(), "fsync_interval_ms:"},
      {json{{"path", path}, {"fsync_interval_ms", "5"}}.dump(), "fsync_interval_ms:"},
      {json{{"path", path}, {"fsync_interval_ms", 1.5}}.dump(), "fsync_interval_ms:"},
      {"[1]", "JSON object"},
      {"{", "JSON object"},
      {json{{"path", (dir.path() / "file" / "audit.jsonl").string()}}.dump(), "path: cannot"},
  };
  write_file(dir.path() / "file", "a file where a folder should be");
  for (const auto& c : cases) {
    INFO(c.config);
    AuditInstance audit(library, c.config);
    CHECK(audit.result().status == SLUICE_ERR_INVALID_ARG);
    CHECK_THAT(audit.result().message, Catch::Contains(c.names));
    CHECK_FALSE(audit);
  }
  CHECK_FALSE(std::filesystem::exists(path));  // nothing was created for a bad config
}

TEST_CASE("audit: creates the log and its missing folders, readable by the owner only",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "a" / "b" / "audit.jsonl";
  AuditInstance audit(audit_plugin(), audit_config(path));
  REQUIRE(audit.result().ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((dir.path() / "a" / "b").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(std::filesystem::file_size(path) == 0);  // no line before the first request
}

TEST_CASE("audit: 8 threads x 200 requests make one continuous chain that verifies",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  AuditInstance audit(audit_plugin(), audit_config(path, {{"fsync_interval_ms", 2}}));
  REQUIRE(audit.result().ok());
  constexpr int kThreads = 8, kRequests = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequests; ++i) {
        TestRequest r;
        r.request_id = "t" + std::to_string(t) + "-" + std::to_string(i);
        r.messages = {{"user", std::string(static_cast<size_t>(i % 17) * 50, 'x')}};
        r.response = "answer " + r.request_id;
        if (i % 10 == 0)
          r.decisions = {{"pii", SLUICE_GUARD_STAGE_OUTPUT, SLUICE_GUARD_REDACT, "email"}};
        if (!audit.run(r).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  audit.destroy();
  CHECK(failures.load() == 0);

  const auto lines = read_lines(path);
  const size_t expected = kThreads * kRequests + kThreads * (kRequests / 10);
  REQUIRE(lines.size() == expected);
  std::set<std::string> request_ids;
  for (size_t i = 0; i < lines.size(); ++i) {
    const json l = parse_line(lines[i]);
    REQUIRE(l["seq"] == i + 1);
    if (l["type"] == "request") {
      request_ids.insert(l["request_id"].get<std::string>());
    } else {
      // A request's lines are written together: its decision precedes its request line.
      REQUIRE(i + 1 < lines.size());
      const json next = parse_line(lines[i + 1]);
      CHECK(next["type"] == "request");
      CHECK(next["request_id"] == l["request_id"]);
    }
  }
  CHECK(request_ids.size() == static_cast<size_t>(kThreads * kRequests));
  const auto verdict = verify_file(path);
  CHECK(verdict.ok);
  CHECK(verdict.lines == expected);
}

TEST_CASE("audit: reopening a log continues its chain", "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto library = audit_plugin();
  for (int round = 0; round < 2; ++round) {
    AuditInstance audit(library, audit_config(path));
    REQUIRE(audit.result().ok());
    for (int i = 0; i < 3; ++i) {
      TestRequest r;
      r.request_id = "round" + std::to_string(round) + "-" + std::to_string(i);
      REQUIRE(audit.run(r).ok());
    }
  }
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 6);
  check_chain(lines);
  for (const auto& line : lines) CHECK(parse_line(line)["type"] == "request");  // no recovery
  CHECK(verify_file(path).ok);
}

TEST_CASE("audit: a torn last line is cut off and recorded in a recovery line on reopening",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto library = audit_plugin();
  std::string whole;

  SECTION("after whole lines") {
    {
      AuditInstance audit(library, audit_config(path));
      REQUIRE(audit.result().ok());
      for (int i = 0; i < 3; ++i) REQUIRE(audit.run(TestRequest{}).ok());
    }
    whole = read_file(path);
  }
  SECTION("in the very first line") {}

  // What a kill -9 in the middle of write() leaves: the start of a line, no newline.
  const std::string fragment = R"({"seq":4,"time":"2025-01-01T00:00:00.000Z","type":"req)";
  write_file(path, whole + fragment);
  const size_t whole_lines = read_lines(path).size();
  auto torn = verify_file(path);
  CHECK(torn.ok);
  CHECK(torn.lines == whole_lines);
  CHECK(torn.incomplete_last_line);
  CHECK(torn.incomplete_bytes == fragment.size());

  {
    AuditInstance audit(library, audit_config(path));
    REQUIRE(audit.result().ok());
    const auto lines = read_lines(path);
    REQUIRE(lines.size() == whole_lines + 1);
    const json recovery = parse_line(lines.back());
    CHECK(recovery["type"] == "recovery");
    CHECK(recovery["seq"] == whole_lines + 1);
    CHECK(recovery["truncated_bytes"] == fragment.size());
    CHECK(recovery["truncated_sha256"] == sha256_hex(fragment));
    CHECK(read_file(path).starts_with(whole));  // whole lines untouched
    REQUIRE(audit.run(TestRequest{}).ok());
  }
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == whole_lines + 2);
  check_chain(lines);
  const auto repaired = verify_file(path);
  CHECK(repaired.ok);
  CHECK(repaired.lines == whole_lines + 2);
  CHECK_FALSE(repaired.incomplete_last_line);
  CHECK(repaired.recoveries == 1);
}

TEST_CASE("audit: refuses to append to, or cut, a file that is not an audit log",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "notes.txt";
  for (const std::string content : {"hello world\n", "no newline at all", "{\"a\":1}\n"}) {
    INFO(content);
    write_file(path, content);
    AuditInstance audit(audit_plugin(), audit_config(path));
    CHECK(audit.result().status == SLUICE_ERR_INVALID_ARG);
    CHECK_THAT(audit.result().message, Catch::Contains("not") && Catch::Contains("audit log"));
    CHECK(read_file(path) == content);
  }
}

TEST_CASE("audit: a stream closed without on_complete still yields its request line",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  AuditInstance audit(audit_plugin(), audit_config(path));
  REQUIRE(audit.result().ok());
  TestRequest r;
  r.request_id = "abandoned";
  r.complete = false;
  REQUIRE(audit.run(r).ok());
  audit.destroy();
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 1);
  const json l = parse_line(lines[0]);
  CHECK(l["request_id"] == "abandoned");
  CHECK(l["finish_reason"] == "incomplete");
  CHECK(l.contains("prompt_sha256"));
  CHECK_FALSE(l.contains("response_sha256"));  // the response is unknown
  CHECK(verify_file(path).ok);
}

TEST_CASE("audit: a 1.0 host's completion (no decisions) still yields the request line",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  AuditInstance audit(audit_plugin(), audit_config(path));
  REQUIRE(audit.result().ok());
  TestRequest r;
  r.decisions = {{"pii", SLUICE_GUARD_STAGE_REQUEST, SLUICE_GUARD_DENY, "beyond struct_size"}};
  r.abi_1_0_completion = true;
  REQUIRE(audit.run(r).ok());
  audit.destroy();
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 1);
  CHECK(parse_line(lines[0])["type"] == "request");
}

TEST_CASE("audit: instances on one file share its chain, another process's lock is refused",
          "[guardrail][audit]") {
  test::ScratchDir dir;
  const auto path = dir.path() / "audit.jsonl";
  const auto library = audit_plugin();
  {
    AuditInstance a(library, audit_config(path));
    AuditInstance b(library, audit_config(dir.path() / "." / "audit.jsonl"));  // same file
    REQUIRE(a.result().ok());
    REQUIRE(b.result().ok());
    for (int i = 0; i < 4; ++i) REQUIRE((i % 2 == 0 ? a : b).run(TestRequest{}).ok());
  }
  const auto verdict = verify_file(path);
  CHECK(verdict.ok);
  CHECK(verdict.lines == 4);

  // An flock held through another open file description, as another process would hold it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX | LOCK_NB) == 0);
  AuditInstance locked(library, audit_config(path));
  CHECK(locked.result().status == SLUICE_ERR_UNAVAILABLE);
  CHECK_THAT(locked.result().message, Catch::Contains("locked by another process"));
  ::close(fd);
}
