// Not a test: the median time of one stream_open + check_request + stream_close on a ~1 KB
// benign chat, for docs/security.md. Hidden from ctest; run it with
//   guardrail_injection_tests "[.bench]"
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "injection_harness.hpp"

using sluice::test::injection::Guardrail;

namespace {

double median_us(const Guardrail& guardrail, const std::string& text, int rounds) {
  std::vector<double> samples;
  samples.reserve(rounds);
  for (int i = 0; i < rounds; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto verdict = guardrail.user(text);
    const auto stop = std::chrono::steady_clock::now();
    REQUIRE(verdict.action == SLUICE_GUARD_ALLOW);
    samples.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
  }
  std::nth_element(samples.begin(), samples.begin() + rounds / 2, samples.end());
  return samples[rounds / 2];
}

}  // namespace

TEST_CASE("injection bench: check_request on a 1 KB benign prompt", "[.bench]") {
  std::string text;
  const std::string paragraph =
      "I'm planning a two-week trip through Portugal in late September with my partner and "
      "our two kids (8 and 11). We'd like to start in Lisbon, spend a few days in Sintra and "
      "Cascais, then drive north to Porto with a stop in Coimbra. Could you suggest a "
      "day-by-day itinerary, including kid-friendly museums, beaches that are still warm "
      "enough for swimming, and restaurants where we can try local dishes without a long "
      "wait? ";
  while (text.size() < 1024) text += paragraph;
  text.resize(1024);
  const Guardrail guardrail;
  REQUIRE(guardrail.ok());
  median_us(guardrail, text, 200);  // warm up
  const double ascii = median_us(guardrail, text, 2000);
  std::string accented = text;
  accented.replace(0, 9, "Olá, café");  // the non-ASCII path (normalisation copy)
  const double utf8 = median_us(guardrail, accented, 2000);
  // Benign look-alikes from the corpus: text full of trigger words, so most rules run.
  std::string lookalikes;
  {
    std::ifstream in(SLUICE_INJECTION_CORPUS);
    std::string line;
    while (std::getline(in, line) && lookalikes.size() < 1024) {
      const auto j = nlohmann::json::parse(line);
      if (j.at("label") == "benign" && guardrail.user(j.at("text")).action == SLUICE_GUARD_ALLOW)
        lookalikes += j.at("text").get<std::string>() + "\n";
    }
  }
  lookalikes.resize(std::min<size_t>(lookalikes.size(), 1024));
  while (!lookalikes.empty() && (static_cast<unsigned char>(lookalikes.back()) & 0xC0) == 0x80)
    lookalikes.pop_back();  // whole characters only
  if (!lookalikes.empty() && static_cast<unsigned char>(lookalikes.back()) >= 0x80)
    lookalikes.pop_back();
  const double dense = median_us(guardrail, lookalikes, 2000);
  const Guardrail rules_only(
      R"({"disable_rules": ["leetspeak", "base64_blob", "override_verbs"]})");
  const double no_heuristics = median_us(rules_only, text, 2000);
  std::printf(
      "median check_request (stream_open + check + close), %zu-byte benign chat turn:\n"
      "  ASCII %.1f us, with non-ASCII %.1f us, without the leetspeak, base64 and override-verb "
      "heuristics %.1f us\n"
      "  %zu bytes of benign look-alikes from the corpus (many trigger words): %.1f us\n",
      text.size(), ascii, utf8, no_heuristics, lookalikes.size(), dense);
  CHECK(ascii > 0);
}
