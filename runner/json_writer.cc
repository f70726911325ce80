#include "runner/json_writer.h"

#include <fmt/format.h>

namespace flightcheck {
namespace {

std::string NlohmannDump(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Printable ASCII other than the two characters JSON escapes: copied as is. Anything else (control
// characters, bytes of UTF-8 sequences, valid or not) goes to nlohmann, whose escaping and
// replacement of invalid sequences this must match exactly.
bool IsPlainAscii(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  if (IsPlainAscii(text)) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  out += NlohmannDump(nlohmann::json(text));
}

void AppendJson(std::string& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      out += "null";
      return;
    case nlohmann::json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case nlohmann::json::value_t::number_integer:
      fmt::format_to(std::back_inserter(out), "{}", value.get<int64_t>());
      return;
    case nlohmann::json::value_t::number_unsigned:
      fmt::format_to(std::back_inserter(out), "{}", value.get<uint64_t>());
      return;
    case nlohmann::json::value_t::string:
      AppendJsonString(out, value.get_ref<const std::string&>());
      return;
    case nlohmann::json::value_t::array: {
      out += '[';
      bool first = true;
      for (const nlohmann::json& item : value) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, item);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, it.key());
        out += ':';
        AppendJson(out, it.value());
      }
      out += '}';
      return;
    }
    default:
      // Floating point (its shortest round-trip form), binary, discarded: as nlohmann writes them.
      out += NlohmannDump(value);
      return;
  }
}

std::string JsonText(const nlohmann::json& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

}  // namespace flightcheck
