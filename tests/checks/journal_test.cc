#include "checks/journal_reader.h"

#include <chrono>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::seconds;

TEST(JournalParseTest, FormatsLinesAsRfc3339Utc) {
  EXPECT_EQ(FormatJournalLine({1764606577123456, "sh", "16329", "MARKER"}),
            "2025-12-01T16:29:37.123456Z sh[16329]: MARKER");
  EXPECT_EQ(FormatJournalLine({7, "kernel", "", "booted"}),
            "1970-01-01T00:00:00.000007Z kernel: booted");
  EXPECT_EQ(FormatJournalLine({1000000, "unknown", "1", ""}),
            "1970-01-01T00:00:01.000000Z unknown[1]: ");
}

TEST(JournalParseTest, Ages) {
  EXPECT_EQ(ParseJournalAge("90s").value(), seconds(90));
  EXPECT_EQ(ParseJournalAge("30m").value(), seconds(1800));
  EXPECT_EQ(ParseJournalAge("1h").value(), seconds(3600));
  EXPECT_EQ(ParseJournalAge("2d").value(), seconds(172800));
  for (const char* bad : {"", "h", "0h", "-1h", "1", "1w", "1.5h", "h1", "1 h"}) {
    Result<seconds> age = ParseJournalAge(bad);
    ASSERT_FALSE(age) << bad;
    EXPECT_EQ(age.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(ParseJournalAge("1w").error().message(),
            "'1w' is not a duration such as 90s, 30m, 1h or 2d");
}

TEST(JournalProbeTest, ParametersAreChecked) {
  testing::ScopedTempDir dir;
  HostContext host;
  host.journal_directory = dir.path().string();
  const Deadline deadline = Deadline::In(seconds(2));
  Result<Facts> zero =
      testing::CallProbe("journal", {{"unit", "a.service"}, {"lines", 0}}, host, deadline);
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().ToString(), "invalid argument: parameter 'lines' is 0, expected 1-1000");
  Result<Facts> many =
      testing::CallProbe("journal", {{"unit", "a.service"}, {"lines", 1001}}, host, deadline);
  ASSERT_FALSE(many);
  Result<Facts> since =
      testing::CallProbe("journal", {{"unit", "a.service"}, {"since", "soon"}}, host, deadline);
  ASSERT_FALSE(since);
  EXPECT_EQ(since.error().ToString(),
            "invalid argument: parameter 'since': 'soon' is not a duration such as 90s, 30m, 1h "
            "or 2d");
  Result<Facts> no_unit = testing::CallProbe("journal", Params::object(), host, deadline);
  ASSERT_FALSE(no_unit);
  EXPECT_EQ(no_unit.error().code(), ErrorCode::kInvalidArgument);
}

TEST(JournalProbeTest, DirectoryWithoutJournalFilesHasNoLines) {
  testing::ScopedTempDir dir;
  HostContext host;
  host.journal_directory = dir.path().string();
  Result<Facts> facts =
      testing::CallProbe("journal", {{"unit", "a.service"}}, host, Deadline::In(seconds(2)));
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["count"], 0);
  EXPECT_EQ((*facts)["lines"], Facts::array());
  EXPECT_EQ((*facts)["text"], "");
}

TEST(JournalProbeTest, MissingDirectoryIsAnError) {
  HostContext host;
  host.journal_directory = "/nonexistent/flightcheck/journal";
  Result<Facts> facts =
      testing::CallProbe("journal", {{"unit", "a.service"}}, host, Deadline::In(seconds(2)));
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_NE(facts.error().message().find("/nonexistent/flightcheck/journal"), std::string::npos)
      << facts.error().ToString();
}

}  // namespace
}  // namespace flightcheck
