#include <catch2/catch.hpp>
#include <thread>

#include "telemetry/metrics.hpp"

using sluice::telemetry::MetricsRegistry;

TEST_CASE("metrics render as Prometheus text 0.0.4", "[metrics]") {
  MetricsRegistry r;
  r.counter("demo_requests_total", "Requests", {{"route", "/a"}}).inc(3);
  r.counter("demo_requests_total", "Requests", {{"route", "/b"}}).inc();
  r.gauge("demo_running", "Running\nnow").set(2.5);
  auto& h = r.histogram("demo_latency_seconds", "Latency", {0.1, 1.0}, {{"model_name", "m"}});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(7);
  const std::string text = r.render_prometheus();
  CHECK_THAT(text, Catch::Contains("# TYPE demo_requests_total counter\n"
                                   "demo_requests_total{route=\"/a\"} 3\n"
                                   "demo_requests_total{route=\"/b\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("# HELP demo_running Running\\nnow\n"));
  CHECK_THAT(text, Catch::Contains("demo_running 2.5\n"));
  // Buckets are cumulative and end with +Inf = count.
  CHECK_THAT(text, Catch::Contains("demo_latency_seconds_bucket{model_name=\"m\",le=\"0.1\"} 1\n"
                                   "demo_latency_seconds_bucket{model_name=\"m\",le=\"1\"} 2\n"
                                   "demo_latency_seconds_bucket{model_name=\"m\",le=\"+Inf\"} 3\n"
                                   "demo_latency_seconds_sum{model_name=\"m\"} 7.55\n"
                                   "demo_latency_seconds_count{model_name=\"m\"} 3\n"));
  // Families are sorted by name.
  CHECK(text.find("demo_latency_seconds") < text.find("demo_requests_total"));
}

TEST_CASE("label values are escaped and the same series is returned again", "[metrics]") {
  MetricsRegistry r;
  auto& a = r.counter("c_total", "c", {{"path", "a\"b\\c\nd"}});
  auto& b = r.counter("c_total", "c", {{"path", "a\"b\\c\nd"}});
  CHECK(&a == &b);
  a.inc();
  CHECK_THAT(r.render_prometheus(), Catch::Contains("c_total{path=\"a\\\"b\\\\c\\nd\"} 1"));
  CHECK_THROWS(r.gauge("c_total", "c"));  // one name, one type
  CHECK_THROWS(a.inc(-1));                // counters only go up
}

TEST_CASE("callback gauges are read at scrape time; counters are thread-safe", "[metrics]") {
  MetricsRegistry r;
  double level = 1;
  r.gauge_callback("g", "g", {}, [&] { return level; });
  CHECK_THAT(r.render_prometheus(), Catch::Contains("g 1\n"));
  level = 4;
  CHECK_THAT(r.render_prometheus(), Catch::Contains("g 4\n"));
  auto& c = r.counter("n_total", "n");
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) c.inc();
    });
  for (auto& t : threads) t.join();
  CHECK(c.value() == 40000);
}
