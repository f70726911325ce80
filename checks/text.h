// Small text helpers shared by the probe parsers. Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flightcheck {

std::string_view Trim(std::string_view text);
std::string ToLower(std::string_view text);
std::vector<std::string_view> SplitLines(std::string_view text);  // no trailing empty line
// Splits on any run of the given separator characters, dropping empty fields.
std::vector<std::string_view> SplitFields(std::string_view text,
                                          std::string_view separators = " \t");
bool StartsWith(std::string_view text, std::string_view prefix);

// The items with separator between them; "" for no items. A separator is added only once the text
// is non-empty, so empty leading items leave no trace ({"", "a"} → "a"): the config messages that
// list invalid values have always read that way.
std::string JoinStrings(const std::vector<std::string>& items, std::string_view separator = ", ");

// The last line of text that is not blank, trimmed; "" when there is none. What a person wants to
// see of a failed command's output.
std::string LastLine(std::string_view text);

// text as one word for a POSIX shell, always single-quoted: it's → 'it'\''s'.
std::string ShellQuote(std::string_view text);

// Text as a one-line message may show it: control characters escaped (\n, \t, \xHH), so one
// problem stays one line whatever a value holds.
std::string EscapeControl(std::string_view text);

// A value as messages echo it: escaped, in single quotes, cut to max_chars with "..." so a huge
// value cannot flood a report.
std::string QuoteForMessage(std::string_view text, size_t max_chars = 80);

// KEY=value lines as in os-release and /etc/selinux/config: '#' comments and blank lines skipped,
// whitespace around key and value trimmed, one level of single or double quotes removed.
std::vector<std::pair<std::string, std::string>> ParseKeyValueLines(std::string_view text);

// Whole-string decimal integer; nullopt on anything else.
std::optional<int64_t> ParseInt64(std::string_view text);

// True when text is well-formed UTF-8 (no overlongs, surrogates or truncated sequences).
bool IsValidUtf8(std::string_view text);

// Facts are JSON, and serialising a string that is not UTF-8 throws: command output and HTTP
// bodies may be binary or cut inside a character at a cap. Invalid bytes become U+FFFD.
std::string ToValidUtf8(std::string_view text);

}  // namespace flightcheck
