#include "runner/quantity.h"

#include <charconv>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "runner/spellcheck.h"

namespace flightcheck {
namespace {

struct Unit {
  const char* name;
  double factor;
  QuantityKind kind;
};

constexpr Unit kUnits[] = {
    {"B", 1, QuantityKind::kSize},
    {"KB", 1e3, QuantityKind::kSize},
    {"MB", 1e6, QuantityKind::kSize},
    {"GB", 1e9, QuantityKind::kSize},
    {"TB", 1e12, QuantityKind::kSize},
    {"KiB", 1024.0, QuantityKind::kSize},
    {"MiB", 1024.0 * 1024, QuantityKind::kSize},
    {"GiB", 1024.0 * 1024 * 1024, QuantityKind::kSize},
    {"TiB", 1024.0 * 1024 * 1024 * 1024, QuantityKind::kSize},
    {"ns", 1e-9, QuantityKind::kDuration},
    {"us", 1e-6, QuantityKind::kDuration},
    {"ms", 1e-3, QuantityKind::kDuration},
    {"s", 1, QuantityKind::kDuration},
    {"m", 60, QuantityKind::kDuration},
    {"h", 3600, QuantityKind::kDuration},
};

std::vector<std::string> UnitNames() {
  std::vector<std::string> names;
  for (const Unit& unit : kUnits) names.emplace_back(unit.name);
  return names;
}

std::string TrimSpaces(std::string_view text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(' ');
  return std::string(text.substr(first, last - first + 1));
}

}  // namespace

Result<Quantity> ParseQuantity(std::string_view raw) {
  const std::string text = TrimSpaces(raw);
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || !std::isfinite(number)) {
    return Status::InvalidArgument(fmt::format(
        "'{}' is not a number (expected a number, optionally with a unit such as 32GiB or 100ms)",
        text));
  }
  const std::string unit = TrimSpaces(std::string_view(end, text.data() + text.size() - end));
  if (unit.empty()) return Quantity{number, QuantityKind::kPlain};
  for (const Unit& candidate : kUnits) {
    if (unit == candidate.name) return Quantity{number * candidate.factor, candidate.kind};
  }
  return Status::InvalidArgument(fmt::format(
      "unknown unit '{}' in '{}'{}; sizes take B, KB, MB, GB, TB, KiB, MiB, GiB or TiB, "
      "durations ns, us, ms, s, m or h",
      unit, text, DidYouMean(unit, UnitNames())));
}

Result<Milliseconds> ParseDuration(std::string_view text) {
  Result<Quantity> quantity = ParseQuantity(text);
  if (!quantity && quantity.error().message().find("unknown unit") != std::string::npos) {
    const std::string trimmed = TrimSpaces(text);
    const size_t unit_start = trimmed.find_first_not_of("0123456789.+- ");
    const std::string unit = trimmed.substr(unit_start == std::string::npos ? 0 : unit_start);
    return Status::InvalidArgument(
        fmt::format("unknown unit '{}' in '{}'{}; durations take ns, us, ms, s, m or h (e.g. 5s)",
                    unit, trimmed, DidYouMean(unit, {"ns", "us", "ms", "s", "m", "h"})));
  }
  const bool zero = quantity && quantity->kind == QuantityKind::kPlain && quantity->value == 0;
  if (!quantity || (quantity->kind != QuantityKind::kDuration && !zero)) {
    return Status::InvalidArgument(fmt::format(
        "'{}' is not a duration (expected a number with a unit: ms, s, m or h, e.g. 5s)",
        TrimSpaces(text)));
  }
  if (quantity->value < 0) {
    return Status::InvalidArgument(fmt::format("duration '{}' is negative", TrimSpaces(text)));
  }
  // Past this, milliseconds overflow (1e20s became 0 ms); no wait of a check is that long.
  constexpr double kMaxSeconds = 366.0 * 24 * 3600;
  if (!(quantity->value <= kMaxSeconds)) {
    return Status::InvalidArgument(
        fmt::format("duration '{}' is too long; at most 366 days (8784h)", TrimSpaces(text)));
  }
  return Milliseconds(static_cast<long long>(std::llround(quantity->value * 1000)));
}

std::string FormatQuantity(double value, QuantityKind kind) {
  auto trimmed = [](double v) {
    std::string s = fmt::format("{:.1f}", v);
    if (s.size() > 2 && s.substr(s.size() - 2) == ".0") s.resize(s.size() - 2);
    return s;
  };
  switch (kind) {
    case QuantityKind::kPlain:
      return trimmed(value);
    case QuantityKind::kSize: {
      static const char* kSizeUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
      int index = 0;
      while (std::fabs(value) >= 1024 && index < 4) {
        value /= 1024;
        ++index;
      }
      return trimmed(value) + kSizeUnits[index];
    }
    case QuantityKind::kDuration:
      if (std::fabs(value) < 1e-3) return trimmed(value * 1e6) + "us";
      if (std::fabs(value) < 1) return trimmed(value * 1e3) + "ms";
      if (std::fabs(value) < 60) return trimmed(value) + "s";
      if (std::fabs(value) < 3600) return trimmed(value / 60) + "m";
      return trimmed(value / 3600) + "h";
  }
  return trimmed(value);
}

}  // namespace flightcheck
