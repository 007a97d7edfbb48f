#include "pii_output_filter.hpp"

#include "pii_redaction.hpp"

namespace sluice_pii {

OutputFilter::Step OutputFilter::feed(std::string_view chunk, bool final) {
  out_.clear();
  if (stopped_) return {Action::stop, {}, reason_};
  const bool held_before = released_ < static_cast<Pos>(buffer_.size());
  buffer_.append(chunk);

  const Text t(buffer_.data(), buffer_.size(), final);
  KindSet redacted;
  KindSet denied;
  Pos copied = released_;
  const ScanStop stop =
      scanner_->scan(t, released_, continuation_, [&](Kind kind, Pos begin, Pos end) {
        out_.append(buffer_, static_cast<size_t>(copied), static_cast<size_t>(begin - copied));
        copied = begin;
        const Mode mode = policy_->mode(kind);
        if (mode == Mode::deny) {
          denied.add(kind);
          return false;
        }
        render_entity(kind, mode,
                      std::string_view(buffer_).substr(static_cast<size_t>(begin),
                                                       static_cast<size_t>(end - begin)),
                      out_);
        redacted.add(kind);
        copied = end;
        return true;
      });
  if (!denied.empty()) {
    // Send what precedes the entity, then end the response.
    stopped_ = true;
    reason_ = "pii: " + denied.describe();
    return {Action::stop, out_, reason_};
  }
  out_.append(buffer_, static_cast<size_t>(copied), static_cast<size_t>(stop.decided - copied));
  released_ = stop.decided;
  drop_released_text();

  if (!redacted.empty()) {
    reason_ = "pii: " + redacted.describe();
    return {Action::redact, out_, reason_};
  }
  if (!held_before && released_ == static_cast<Pos>(buffer_.size())) {
    return {Action::pass, out_, {}};  // out_ is exactly the chunk
  }
  return {Action::hold, out_, {}};
}

void OutputFilter::drop_released_text() {
  // Keep what the detectors may look back at; drop the rest now and then, not per chunk.
  constexpr Pos kKeep = kLookBehind + 16;
  constexpr Pos kSlack = 1024;
  if (released_ < kKeep + kSlack) return;
  const Pos drop = released_ - kKeep;
  buffer_.erase(0, static_cast<size_t>(drop));
  released_ -= drop;
  if (continuation_.at >= drop) {
    continuation_.at -= drop;
  } else {
    continuation_ = Continuation{};
  }
}

}  // namespace sluice_pii
