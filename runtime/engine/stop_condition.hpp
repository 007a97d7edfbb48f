// Stop strings over streamed text. Text that could be the start of a stop string is
// held back until it is known not to be one, so a client never sees part of a stop
// string, and text after a stop string is never sent.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::engine {

// Where streamed `text` meets any of `markers`: `safe` is the position of the earliest
// complete marker (`found`), or else where the longest suffix that begins a marker
// starts (text.size() when none does). Text before `safe` can be sent.
struct MarkerScan {
  size_t safe = 0;
  bool found = false;
};

template <class Markers>
MarkerScan scan_markers(std::string_view text, const Markers& markers) {
  MarkerScan scan{std::string_view::npos, false};
  for (std::string_view m : markers) scan.safe = std::min(scan.safe, text.find(m));
  if (scan.safe != std::string_view::npos) {
    scan.found = true;
    return scan;
  }
  size_t hold = 0;
  for (std::string_view m : markers) {
    for (size_t len = std::min(m.size() - 1, text.size()); len > hold; --len) {
      if (text.substr(text.size() - len) == m.substr(0, len)) {
        hold = len;
        break;
      }
    }
  }
  scan.safe = text.size() - hold;
  return scan;
}

class StopCondition {
 public:
  explicit StopCondition(std::vector<std::string> stop_strings);

  struct Step {
    std::string text;      // safe to send now
    bool stopped = false;  // a stop string matched; `text` ends right before it
  };

  // Feeds newly generated text (complete UTF-8). After a stop, further calls return
  // nothing.
  Step push(std::string_view text);
  // End of generation: releases what was held back.
  std::string flush();

 private:
  std::vector<std::string> stops_;
  std::string pending_;
  bool stopped_ = false;
};

}  // namespace sluice::engine
