#include "checks/journal_reader.h"

#include <chrono>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/shell.h"
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

// A real journal file of 45,000 entries (systemd-journal-remote writes it from export format) read
// back whole: the walk reopens the journal every 4,000 entries to bound what is mapped, and must
// neither lose nor repeat an entry across the reopenings. JournalUnits lists its units.
TEST(JournalWalkTest, ALongWalkSeesEveryEntryOnceInOrder) {
  testing::ScopedTempDir dir;
  const std::string script =
      "i=0; while [ $i -lt 45000 ]; do printf "
      "'__REALTIME_TIMESTAMP=%d\\n__MONOTONIC_TIMESTAMP=%d\\n"
      "_BOOT_ID=0123456789abcdef0123456789abcdef\\n_SYSTEMD_UNIT=walk.service\\nMESSAGE=entry %d\\n"
      "\\n' $((1764547200000000 + i)) $i $i; i=$((i + 1)); done; printf '__REALTIME_TIMESTAMP="
      "1764547300000000\\n__MONOTONIC_TIMESTAMP=1\\n_BOOT_ID=0123456789abcdef0123456789abcdef\\n"
      "_SYSTEMD_UNIT=other.service\\nMESSAGE=other\\n\\n'";
  const testing::ShellResult made =
      testing::RunShell("(" + script + ") | /lib/systemd/systemd-journal-remote -o " +
                        testing::ShellQuoted(dir.path() / "walk.journal") + " -");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  HostContext host;
  host.journal_directory = dir.path().string();
  int64_t expected = 0;
  bool in_order = true;
  const Status walked = ForEachUnitJournalEntry(
      host, "walk.service", std::nullopt, Deadline::In(seconds(60)),
      [&](const JournalEntry& entry) {
        in_order = in_order && entry.message == "entry " + std::to_string(expected);
        ++expected;
        return Status::Ok();
      });
  ASSERT_TRUE(walked.ok()) << walked.message();
  EXPECT_EQ(expected, 45000);
  EXPECT_TRUE(in_order);
  Result<std::vector<std::string>> units = JournalUnits(host, Deadline::In(seconds(10)));
  ASSERT_TRUE(units) << units.error().message();
  EXPECT_EQ(*units, (std::vector<std::string>{"other.service", "walk.service"}));
  Result<std::vector<std::string>> bounded = JournalUnits(host, Deadline::In(seconds(10)), 1);
  ASSERT_FALSE(bounded);
  EXPECT_EQ(bounded.error().message(), "the journal names more than 1 units");
}

}  // namespace
}  // namespace flightcheck
