// Writing JSON text by hand: the audit line's bytes are hashed, so the plugin controls
// them exactly (key order, number format) instead of leaving them to a library.
#pragma once

#include <string>
#include <string_view>

namespace sluice_audit {

// Appends `text` as a JSON string literal, quotes included. Control characters, quotes
// and backslashes are escaped; invalid UTF-8 becomes \ufffd, so the line is valid JSON
// and never contains a raw newline whatever the client sent.
void append_json_string(std::string& out, std::string_view text);

// Appends `"key":` then the string literal of `value`.
void append_string_field(std::string& out, std::string_view key, std::string_view value);

// Nanoseconds as milliseconds with three decimals ("12.345"), exactly, without floats.
void append_ms(std::string& out, unsigned long long ns);

}  // namespace sluice_audit
