// The scan every decision rests on, for whole prompts and streamed output alike: from a
// start position, entities are taken leftmost first, at each start the longest candidate
// of any enabled kind (ties to the earlier Kind), and scanning resumes after it. On
// text that may still grow, the scan stops at the first start whose answer needs bytes
// not seen yet; everything before that point is final, so streaming the same text in any
// split finds exactly what one whole-text scan finds.
#pragma once

#include <array>

#include "pii_detectors.hpp"
#include "pii_entity.hpp"

namespace sluice_pii {

struct ScanStop {
  Pos decided;   // every start before this is decided; from here on more text is needed
  bool stopped;  // the visitor asked to stop (decided is then the entity's end)
};

class Scanner {
 public:
  Scanner(const std::array<bool, kKindCount>& enabled, const DetectorOptions& options)
      : enabled_(enabled), options_(options) {}

  // Calls visit(kind, begin, end) for each entity starting at or after `from`, in order;
  // visit returns false to stop. `continuation` is where a span cut at its cap goes on;
  // it is carried across calls on a growing text.
  template <class Visit>
  ScanStop scan(const Text& t, Pos from, Continuation& continuation, Visit&& visit) const {
    Pos s = from;
    while (s < t.size()) {
      Kind kind = Kind::secret;
      bool undecided = false;
      const Found found = detect_at(t, s, continuation, kind, undecided);
      if (undecided) return {s, false};
      if (found.end <= s) {
        ++s;
        continue;
      }
      continuation = found.continues != Continues::no ? Continuation{found.end, found.continues}
                                                      : Continuation{};
      if (!found.benign && !visit(kind, s, found.end)) return {found.end, true};
      s = found.end;
    }
    return {t.size(), false};
  }

 private:
  Found detect_at(const Text& t, Pos s, const Continuation& continuation, Kind& kind,
                  bool& undecided) const;

  std::array<bool, kKindCount> enabled_;
  DetectorOptions options_;
};

}  // namespace sluice_pii
