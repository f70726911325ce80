// Compact JSON text, appended to a string: the report writer's building block.
//
// The output is byte for byte what nlohmann::json::dump(-1, ' ', false, error_handler_t::replace)
// gives for the same value (keys in the object's order, invalid UTF-8 replaced by U+FFFD), so
// every JSON this program prints looks the same whichever path wrote it. It is faster because
// it appends to one buffer: dump() builds a serializer (and asks the C library for the locale)
// for every value, which for a report of 1,000 results cost as much as running the rules.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace flightcheck {

// Appends text as a JSON string literal, quotes included.
void AppendJsonString(std::string& out, std::string_view text);

// Appends value as compact JSON (no spaces, as dump(-1)).
void AppendJson(std::string& out, const nlohmann::json& value);

// The same, returned: JsonText(v) == v.dump(-1, ' ', false, error_handler_t::replace).
std::string JsonText(const nlohmann::json& value);

}  // namespace flightcheck
