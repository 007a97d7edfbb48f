// Stop strings over streamed text. Text that could be the start of a stop string is
// held back until it is known not to be one, so a client never sees part of a stop
// string, and text after a stop string is never sent.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sluice::engine {

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
