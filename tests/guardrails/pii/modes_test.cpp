// Redact, mask and deny; per-entity modes; entity subsets; chat requests; and the output
// stream's edge cases (FINAL, empty chunks, private key blocks, non-ASCII text).
#include <catch2/catch.hpp>
#include <random>
#include <string>

#include "pii_harness.hpp"

using namespace pii_test;

namespace {

std::vector<std::string> chunks_of(const std::string& text, size_t size) {
  std::vector<std::string> chunks;
  for (size_t i = 0; i < text.size();) {
    size_t j = std::min(text.size(), i + size);
    while (!utf8_boundary(text, j)) ++j;
    chunks.push_back(text.substr(i, j - i));
    i = j;
  }
  return chunks;
}

std::string random_base64(std::mt19937& rng, size_t n) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string out;
  for (size_t i = 0; i < n; ++i) out += alphabet[pick(rng)];
  return out;
}

// A PEM private key of `n_lines` random base64 lines.
std::string private_key(std::mt19937& rng, size_t n_lines, std::vector<std::string>& lines) {
  std::string key = "-----BEGIN RSA PRIVATE KEY-----\n";
  for (size_t i = 0; i < n_lines; ++i) {
    lines.push_back(random_base64(rng, 64));
    key += lines.back() + "\n";
  }
  return key + "-----END RSA PRIVATE KEY-----";
}

const std::string kPersonal =
    "Card 4111 1111 1111 1111, mail john.doe@example.com, call (555) 123-4567.";

}  // namespace

TEST_CASE("pii modes: redact replaces each entity with its kind", "[pii][modes]") {
  Guardrail guardrail;
  const Verdict verdict = check_prompt(guardrail, kPersonal);
  CHECK(verdict.action == SLUICE_GUARD_REWRITE);
  CHECK(verdict.prompt == "Card [CARD], mail [EMAIL], call [PHONE].");
  CHECK(verdict.reason == "pii: email, phone, card");
  CHECK(check_prompt(guardrail, "Nothing personal here.").action == SLUICE_GUARD_ALLOW);
}

TEST_CASE("pii modes: mask keeps length, separators and a card's last four digits",
          "[pii][modes]") {
  Guardrail guardrail(R"({"mode": "mask"})");
  const Verdict verdict = check_prompt(guardrail, kPersonal);
  CHECK(verdict.action == SLUICE_GUARD_REWRITE);
  CHECK(verdict.prompt ==
        "Card **** **** **** 1111, mail ****.***@*******.***, call (***) ***-****.");
  CHECK(verdict.prompt.size() == kPersonal.size());
  CHECK(redacted_prompt(guardrail, "IBAN DE89 3704 0044 0532 0130 00 ok") ==
        "IBAN **** **** **** **** **** ** ok");
}

TEST_CASE("pii modes: deny refuses the request and names kinds, never values", "[pii][modes]") {
  Guardrail guardrail(R"({"mode": "deny"})");
  const Verdict verdict = check_prompt(guardrail, kPersonal);
  CHECK(verdict.action == SLUICE_GUARD_DENY);
  CHECK(verdict.http_status == 400);
  CHECK(verdict.reason == "pii: email, phone, card");
  CHECK(verdict.reason.find("john") == std::string::npos);
  CHECK(verdict.reason.find("4111") == std::string::npos);
  CHECK(check_prompt(guardrail, "no entities").action == SLUICE_GUARD_ALLOW);
}

TEST_CASE("pii modes: deny on output stops before the entity", "[pii][modes][stream]") {
  Guardrail guardrail(R"({"mode": "deny"})");
  OutputStream stream(guardrail);
  int32_t last = -1;
  std::string reason;
  for (const auto& chunk : chunks_of("Sure! Write to jane@example.org for help.", 3)) {
    const auto step = stream.feed(chunk);
    last = step.action;
    reason = step.reason;
    if (stream.stopped()) break;
  }
  CHECK(last == SLUICE_GUARD_STOP);
  CHECK(reason == "pii: email");
  CHECK(stream.released() == "Sure! Write to ");
  // The host ends the response; should a chunk still come, nothing more is sent.
  const auto after = stream.feed("more text", true);
  CHECK(after.action == SLUICE_GUARD_STOP);
  CHECK(after.sent.empty());
}

TEST_CASE("pii modes: per-entity modes override the default mode", "[pii][modes]") {
  Guardrail guardrail(R"({"mode": "redact", "modes": {"card": "mask", "email": "deny"}})");
  const Verdict rewrite = check_prompt(guardrail, "Card 4111 1111 1111 1111, call (555) 123-4567.");
  CHECK(rewrite.action == SLUICE_GUARD_REWRITE);
  CHECK(rewrite.prompt == "Card **** **** **** 1111, call [PHONE].");
  const Verdict deny = check_prompt(guardrail, kPersonal);
  CHECK(deny.action == SLUICE_GUARD_DENY);
  CHECK(deny.reason == "pii: email");

  // And on output: the card is masked as it streams, the e-mail stops the stream.
  OutputStream stream(guardrail);
  for (const auto& chunk : chunks_of(kPersonal, 5)) {
    stream.feed(chunk);
    if (stream.stopped()) break;
  }
  CHECK(stream.stopped());
  CHECK(stream.released() == "Card **** **** **** 1111, mail ");
}

TEST_CASE("pii modes: only the configured entities are detected", "[pii][modes]") {
  Guardrail guardrail(R"({"entities": ["email", "ipv4"]})");
  CHECK(redacted_prompt(guardrail, kPersonal) ==
        "Card 4111 1111 1111 1111, mail [EMAIL], call (555) 123-4567.");
  CHECK(redacted_prompt(guardrail, "from 10.0.0.1 and 2001:db8::1") ==
        "from [IPV4] and 2001:db8::1");
  CHECK(stream_chunks(guardrail, chunks_of(kPersonal, 4)) ==
        "Card 4111 1111 1111 1111, mail [EMAIL], call (555) 123-4567.");
}

TEST_CASE("pii modes: a chat request is rewritten turn by turn, roles kept", "[pii][modes]") {
  Guardrail guardrail;
  const Verdict verdict = check_chat(guardrail, {{"system", "You are helpful."},
                                                 {"user", "My SSN is 123-45-6789."},
                                                 {"assistant", "Noted."},
                                                 {"user", "Key: AKIAIOSFODNN7EXAMPLE"}});
  REQUIRE(verdict.action == SLUICE_GUARD_REWRITE);
  CHECK(verdict.reason == "pii: ssn, secret");
  REQUIRE(verdict.turns.size() == 4);
  CHECK(verdict.turns[0] == std::make_pair(std::string("system"), std::string("You are helpful.")));
  CHECK(verdict.turns[1] == std::make_pair(std::string("user"), std::string("My SSN is [SSN].")));
  CHECK(verdict.turns[2] == std::make_pair(std::string("assistant"), std::string("Noted.")));
  CHECK(verdict.turns[3] == std::make_pair(std::string("user"), std::string("Key: [SECRET]")));
}

TEST_CASE("pii modes: scan_prompt and scan_output switch the two sides off", "[pii][modes]") {
  Guardrail no_prompt(R"({"scan_prompt": false})");
  CHECK(check_prompt(no_prompt, kPersonal).action == SLUICE_GUARD_ALLOW);
  CHECK(stream_chunks(no_prompt, {kPersonal}) == "Card [CARD], mail [EMAIL], call [PHONE].");

  Guardrail no_output(R"({"scan_output": false})");
  CHECK(check_prompt(no_output, kPersonal).action == SLUICE_GUARD_REWRITE);
  OutputStream stream(no_output);
  CHECK(stream.feed(kPersonal).action == SLUICE_GUARD_PASS);
  CHECK(stream.released() == kPersonal);
}

TEST_CASE("pii stream: text that cannot start an entity passes at once", "[pii][stream]") {
  Guardrail guardrail;
  OutputStream stream(guardrail);
  const auto step = stream.feed("Hi there, ");
  CHECK(step.action == SLUICE_GUARD_PASS);
  CHECK(stream.released() == "Hi there, ");
}

TEST_CASE("pii stream: a possible entity is held, and FINAL releases it", "[pii][stream]") {
  Guardrail guardrail;
  {
    OutputStream stream(guardrail);
    const auto held = stream.feed("Contact: john");
    CHECK(held.action == SLUICE_GUARD_HOLD);
    CHECK(stream.released() == "Contact: ");
    const auto last = stream.feed("", true);
    CHECK(stream.released() == "Contact: john");
    CHECK(last.sent == "john");
  }
  {
    OutputStream stream(guardrail);
    stream.feed("mail a.b@example");
    CHECK(stream.released() == "mail ");
    const auto last = stream.feed(".com", true);
    CHECK(last.action == SLUICE_GUARD_REDACT);
    CHECK(last.reason == "pii: email");
    CHECK(stream.released() == "mail [EMAIL]");
  }
  {
    // Final on a chunk that ends in a half-written key block: it is redacted whole.
    OutputStream stream(guardrail);
    stream.feed("key:\n-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC");
    stream.feed("BKcwggSjAgEAAoIBAQC7", true);
    CHECK(stream.released() == "key:\n[SECRET]");
  }
}

TEST_CASE("pii stream: empty chunks anywhere change nothing", "[pii][stream]") {
  Guardrail guardrail;
  OutputStream stream(guardrail);
  CHECK(stream.feed("").sent.empty());
  stream.feed("Call 555-");
  CHECK(stream.feed("").sent.empty());
  stream.feed("123-4567 now");
  stream.feed("");
  stream.feed("", true);
  CHECK(stream.released() == "Call [PHONE] now");
}

TEST_CASE("pii stream: a private key block split over many chunks is held and redacted whole",
          "[pii][stream]") {
  Guardrail guardrail;
  std::mt19937 rng(7);
  std::vector<std::string> lines;
  const std::string text = "Here:\n" + private_key(rng, 25, lines) + "\nDone.";
  const size_t key_end = text.find("\nDone.");
  OutputStream stream(guardrail);
  size_t fed = 0;
  for (const auto& chunk : chunks_of(text, 7)) {
    stream.feed(chunk);
    fed += chunk.size();
    CHECK(stream.released().find("BEGIN") == std::string::npos);
    // Until its END line is complete, nothing of the block goes out.
    if (fed < key_end) CHECK(stream.released() == "Here:\n");
  }
  stream.feed("", true);
  CHECK(stream.released() == "Here:\n[SECRET]\nDone.");
}

TEST_CASE("pii stream: a key block longer than the hold cap is still never sent", "[pii][stream]") {
  Guardrail guardrail;
  std::mt19937 rng(11);
  std::vector<std::string> lines;
  const std::string key = private_key(rng, 200, lines);  // ~13 KiB, above the 8 KiB cap
  const std::string text = "Key follows.\n" + key + "\nThat was the key.";
  const size_t key_start = text.find("-----BEGIN");
  OutputStream stream(guardrail);
  size_t fed = 0;
  size_t fed_at_first_redaction = 0;
  for (const auto& chunk : chunks_of(text, 64)) {
    stream.feed(chunk);
    fed += chunk.size();
    if (fed_at_first_redaction == 0 && stream.released().find("[SECRET]") != std::string::npos) {
      fed_at_first_redaction = fed;
    }
  }
  stream.feed("", true);
  const std::string& out = stream.released();
  for (const auto& line : lines) CHECK(out.find(line) == std::string::npos);
  CHECK(out.rfind("Key follows.\n[SECRET]", 0) == 0);
  CHECK(out.find("\nThat was the key.") != std::string::npos);
  // Held no longer than the cap (8 KiB, plus the END marker's length and one chunk).
  CHECK(fed_at_first_redaction > key_start + 8192);
  CHECK(fed_at_first_redaction <= key_start + 8192 + 9 + 64);
}

TEST_CASE("pii stream: what is held stays bounded without key blocks", "[pii][stream]") {
  Guardrail guardrail;
  // One endless word: no entity can be longer than the secret cap, so it is released.
  const std::string text = std::string(5000, 'a') + " end";
  OutputStream stream(guardrail);
  size_t fed = 0;
  size_t most_held = 0;
  for (const auto& chunk : chunks_of(text, 3)) {
    stream.feed(chunk);
    fed += chunk.size();
    most_held = std::max(most_held, fed - stream.released().size());
  }
  stream.feed("", true);
  CHECK(stream.released() == text);
  CHECK(most_held <= 300);
}

TEST_CASE("pii stream: non-ASCII text around entities, split at every code point",
          "[pii][stream]") {
  Guardrail guardrail;
  const std::string text =
      "Grüße an „anna.schmidt@example.de“ – danke! 😀 Tel. +49 30 1234567 🙂 "
      "电话：138 0013 8000？IP：192.168.10.1。";
  const std::string expected =
      "Grüße an „[EMAIL]“ – danke! 😀 Tel. [PHONE] 🙂 电话：138 0013 "
      "8000？IP：[IPV4]。";
  CHECK(redacted_prompt(guardrail, text) == expected);
  for (size_t split = 0; split <= text.size(); ++split) {
    if (!utf8_boundary(text, split)) continue;
    OutputStream stream(guardrail);
    const auto first = stream.feed(text.substr(0, split));
    const auto second = stream.feed(text.substr(split), true);
    INFO("split at byte " << split);
    CHECK(complete_utf8(first.sent));
    CHECK(complete_utf8(second.sent));
    CHECK(stream.released() == expected);
  }
  CHECK(stream_chunks(guardrail, chunks_of(text, 1)) == expected);
}
