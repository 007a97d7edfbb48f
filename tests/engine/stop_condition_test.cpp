// Stop strings across token boundaries: held back while undecided, never leaked.
#include <catch2/catch.hpp>

#include "engine/stop_condition.hpp"

using sluice::engine::StopCondition;

TEST_CASE("a stop string split across chunks stops without leaking", "[stop]") {
  StopCondition stop({"</end>"});
  std::string sent;
  for (const char* chunk : {"Hello <", "/e", "nd> tail"}) {
    const auto step = stop.push(chunk);
    sent += step.text;
    if (step.stopped) break;
  }
  CHECK(sent == "Hello ");
  CHECK(stop.flush().empty());
  CHECK(stop.push("more").text.empty());
}

TEST_CASE("a false start is released", "[stop]") {
  StopCondition stop({"STOP"});
  auto a = stop.push("ab ST");
  CHECK(a.text == "ab ");  // "ST" could begin STOP
  auto b = stop.push("ART");
  CHECK(b.text == "START");
  CHECK_FALSE(b.stopped);
  auto c = stop.push("x S");
  CHECK(c.text == "x ");
  CHECK(stop.flush() == "S");
}

TEST_CASE("the earliest of several stop strings wins", "[stop]") {
  StopCondition stop({"world", "lo w"});
  const auto step = stop.push("hello world");
  CHECK(step.stopped);
  CHECK(step.text == "hel");
}

TEST_CASE("no stop strings passes everything", "[stop]") {
  StopCondition stop({});
  CHECK(stop.push("abc").text == "abc");
  CHECK(stop.flush().empty());
}
