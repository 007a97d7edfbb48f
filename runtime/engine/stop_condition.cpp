#include "engine/stop_condition.hpp"

namespace sluice::engine {

StopCondition::StopCondition(std::vector<std::string> stop_strings)
    : stops_(std::move(stop_strings)) {
  std::erase_if(stops_, [](const std::string& s) { return s.empty(); });
}

StopCondition::Step StopCondition::push(std::string_view text) {
  Step step;
  if (stopped_) return step;
  pending_.append(text);
  // The earliest complete stop string wins; else the longest suffix that may begin one
  // is held back.
  const MarkerScan scan = scan_markers(pending_, stops_);
  step.text = pending_.substr(0, scan.safe);
  if (scan.found) {
    step.stopped = stopped_ = true;
    pending_.clear();
  } else {
    pending_.erase(0, scan.safe);
  }
  return step;
}

std::string StopCondition::flush() {
  std::string out;
  if (!stopped_) out.swap(pending_);
  return out;
}

}  // namespace sluice::engine
