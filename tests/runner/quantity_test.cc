#include "runner/quantity.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

TEST(QuantityTest, ParsesUnits) {
  struct Case {
    const char* text;
    double value;
    QuantityKind kind;
  };
  const Case cases[] = {
      {"4", 4, QuantityKind::kPlain},
      {"1.5", 1.5, QuantityKind::kPlain},
      {"32GiB", 32.0 * 1024 * 1024 * 1024, QuantityKind::kSize},
      {"16GB", 16e9, QuantityKind::kSize},
      {"512 MiB", 512.0 * 1024 * 1024, QuantityKind::kSize},
      {"100ms", 0.1, QuantityKind::kDuration},
      {"2m", 120, QuantityKind::kDuration},
      {"1h", 3600, QuantityKind::kDuration},
      {"250us", 250e-6, QuantityKind::kDuration},
  };
  for (const Case& c : cases) {
    Result<Quantity> q = ParseQuantity(c.text);
    ASSERT_TRUE(q) << c.text << ": " << q.error().ToString();
    EXPECT_DOUBLE_EQ(q->value, c.value) << c.text;
    EXPECT_EQ(q->kind, c.kind) << c.text;
  }
}

TEST(QuantityTest, RejectsUnknownUnitsWithASuggestion) {
  Result<Quantity> q = ParseQuantity("32Gib");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().message(),
            "unknown unit 'Gib' in '32Gib' (did you mean 'GiB'?); sizes take B, KB, MB, GB, TB, "
            "KiB, MiB, GiB or TiB, durations ns, us, ms, s, m or h");
  EXPECT_FALSE(ParseQuantity("lots"));
  EXPECT_FALSE(ParseQuantity(""));
}

TEST(QuantityTest, Durations) {
  EXPECT_EQ(*ParseDuration("5s"), Milliseconds(5000));
  EXPECT_EQ(*ParseDuration("0"), Milliseconds(0));
  EXPECT_EQ(*ParseDuration("1.5s"), Milliseconds(1500));
  EXPECT_EQ(ParseDuration("5").error().message(),
            "'5' is not a duration (expected a number with a unit: ms, s, m or h, e.g. 5s)");
  EXPECT_EQ(ParseDuration("5GiB").error().message(),
            "'5GiB' is not a duration (expected a number with a unit: ms, s, m or h, e.g. 5s)");
  EXPECT_EQ(ParseDuration("-1s").error().message(), "duration '-1s' is negative");
}

TEST(QuantityTest, Formats) {
  EXPECT_EQ(FormatQuantity(16.0 * 1024 * 1024 * 1024, QuantityKind::kSize), "16GiB");
  EXPECT_EQ(FormatQuantity(1536, QuantityKind::kSize), "1.5KiB");
  EXPECT_EQ(FormatQuantity(0.1, QuantityKind::kDuration), "100ms");
  EXPECT_EQ(FormatQuantity(90, QuantityKind::kDuration), "1.5m");
  EXPECT_EQ(FormatQuantity(4, QuantityKind::kPlain), "4");
}

}  // namespace
}  // namespace flightcheck
