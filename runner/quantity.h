// Numbers with units in rule files.
//
// Sizes: B, KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024) → bytes.
// Durations: ns, us, ms, s, m, h → seconds. A plain number has no unit. Facts use the same base
// units (bytes, seconds), so "memory: {ge: 32GiB}" compares bytes with bytes.
#pragma once

#include <string>
#include <string_view>

#include "checks/deadline.h"
#include "checks/status.h"

namespace flightcheck {

enum class QuantityKind { kPlain, kSize, kDuration };

struct Quantity {
  double value = 0;  // bytes, seconds, or the plain number
  QuantityKind kind = QuantityKind::kPlain;
};

// "4", "1.5", "32GiB", "100ms", "2 m". InvalidArgument names the text and the accepted units, with
// a suggestion for a near miss ("32Gib" → did you mean 'GiB'?).
Result<Quantity> ParseQuantity(std::string_view text);

// A duration: "250ms", "5s", "15m", or "0". Other quantities are InvalidArgument.
Result<Milliseconds> ParseDuration(std::string_view text);

// Formats a value of the kind for messages: 17179869184 bytes → "16GiB", 0.1 s → "100ms".
std::string FormatQuantity(double value, QuantityKind kind);

}  // namespace flightcheck
