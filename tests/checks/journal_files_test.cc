#include "checks/journal_files.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "checks/journal_reader.h"
#include "tests/testbed/shell.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

JournalFileSpan Span(std::string path, uint64_t head, uint64_t tail) {
  return {.path = std::move(path), .head_realtime_usec = head, .tail_realtime_usec = tail};
}

TEST(JournalWindowTest, FilesThatFollowEachOtherAreOpenedTwoAtATime) {
  const std::vector<JournalFileSpan> spans = {Span("c", 300, 399), Span("a", 100, 199),
                                              Span("b", 200, 299)};
  // At the start the horizon rises to the first file's head.
  JournalWindow window = ChooseJournalWindow(spans, 0, 0, {});
  EXPECT_EQ(window.paths, std::vector<std::string>{"a"});
  EXPECT_EQ(window.horizon_usec, 100u);
  EXPECT_EQ(window.limit_usec, 200u);
  // Widened at a's end: a (its last entry is the position) and b.
  window = ChooseJournalWindow(spans, 199, 200, {});
  EXPECT_EQ(window.paths, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(window.limit_usec, 300u);
  // Past a's end: b and c, and nothing is left out.
  window = ChooseJournalWindow(spans, 299, 300, {});
  EXPECT_EQ(window.paths, (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(window.limit_usec, std::numeric_limits<uint64_t>::max());
  // Done files are left out; a position past every file leaves nothing.
  window = ChooseJournalWindow(spans, 299, 300, {"b"});
  EXPECT_EQ(window.paths, std::vector<std::string>{"c"});
  EXPECT_TRUE(ChooseJournalWindow(spans, 400, 400, {}).paths.empty());
  EXPECT_TRUE(ChooseJournalWindow({}, 0, 0, {}).paths.empty());
}

TEST(JournalWindowTest, FilesThatOverlapAreOpenedTogether) {
  const std::vector<JournalFileSpan> spans = {Span("system", 100, 500), Span("user", 150, 450),
                                              Span("later", 600, 700)};
  JournalWindow window = ChooseJournalWindow(spans, 0, 0, {});
  EXPECT_EQ(window.paths, std::vector<std::string>{"system"});
  EXPECT_EQ(window.limit_usec, 150u);
  window = ChooseJournalWindow(spans, 149, 150, {});
  EXPECT_EQ(window.paths, (std::vector<std::string>{"system", "user"}));
  EXPECT_EQ(window.limit_usec, 600u);
  // A since inside a file: the horizon is the position itself.
  window = ChooseJournalWindow(spans, 460, 460, {});
  EXPECT_EQ(window.paths, std::vector<std::string>{"system"});
  EXPECT_EQ(window.horizon_usec, 460u);
}

TEST(JournalFilesTest, ListsJournalFilesAsSdJournalDoes) {
  testing::ScopedTempDir dir;
  const std::string machine = "0123456789abcdef0123456789abcdef";
  for (const char* name :
       {"system.journal", "system@x.journal~", "notes.txt",
        "0123456789abcdef0123456789abcdef/user-1000.journal", "not-a-machine/other.journal"}) {
    fs::create_directories((dir.path() / name).parent_path());
    std::ofstream(dir.path() / name) << "x";
  }
  fs::create_directory(dir.path() / "dir.journal");  // not a regular file
  HostContext host;
  host.journal_directory = dir.path().string();
  Result<std::vector<std::string>> files = ListJournalFiles(host);
  ASSERT_TRUE(files) << files.error().ToString();
  const std::string base = dir.path().string() + "/";
  EXPECT_EQ(*files,
            (std::vector<std::string>{base + machine + "/user-1000.journal",
                                      base + "system.journal", base + "system@x.journal~"}));
  // Files that are not journals cannot be opened: when none can, that is an error naming the
  // first, not an empty journal.
  std::map<std::string, JournalFileSpan> cache;
  Result<std::vector<JournalFileSpan>> spans = ReadJournalSpans(*files, &cache);
  ASSERT_FALSE(spans);
  EXPECT_EQ(spans.error().message(), "cannot open journal file '" + base + machine +
                                         "/user-1000.journal': No data available");

  host.journal_directory = (dir.path() / "absent").string();
  files = ListJournalFiles(host);
  ASSERT_FALSE(files);
  EXPECT_EQ(files.error().message(),
            "opening journal directory " + host.journal_directory + ": No such file or directory");

  // Under a root other than "/": its /var/log/journal, every machine's.
  testing::ScopedTempDir root;
  fs::create_directories(root.path() / "var/log/journal" / machine);
  std::ofstream(root.path() / "var/log/journal" / machine / "system.journal") << "x";
  HostContext image;
  image.root = root.path();
  files = ListJournalFiles(image);
  ASSERT_TRUE(files) << files.error().ToString();
  EXPECT_EQ(*files, std::vector<std::string>{
                        (root.path() / "var/log/journal" / machine / "system.journal").string()});
}

// Writes a journal file of `count` entries of unit (of late_unit from entry late_from on),
// realtime first_usec + step * i, with systemd-journal-remote.
void WriteJournal(const fs::path& file, const std::string& unit, uint64_t first_usec, uint64_t step,
                  int count, const std::string& tag, int late_from = -1,
                  const std::string& late_unit = "") {
  const std::string awk = fmt::format(
      "awk 'BEGIN {{ for (i = 0; i < {count}; i++) printf "
      "\"__REALTIME_TIMESTAMP=%.0f\\n__MONOTONIC_TIMESTAMP=%.0f\\n"
      "_BOOT_ID=0123456789abcdef0123456789abcdef\\n_SYSTEMD_UNIT=%s\\n"
      "MESSAGE={tag} %.0f\\n\\n\", {first} + i * {step}, {first} + i * {step}, "
      "(i >= {late_from} ? \"{late_unit}\" : \"{unit}\"), {first} + i * {step} }}'",
      fmt::arg("count", count), fmt::arg("unit", unit), fmt::arg("tag", tag),
      fmt::arg("first", first_usec), fmt::arg("step", step),
      fmt::arg("late_from", late_from < 0 ? count : late_from), fmt::arg("late_unit", late_unit));
  const testing::ShellResult made = testing::RunShell(
      awk + " | /lib/systemd/systemd-journal-remote -o " + testing::ShellQuoted(file) + " -");
  ASSERT_EQ(made.exit_code, 0) << made.output;
}

// Journal files of dir this process holds open.
int OpenJournalFiles(const fs::path& dir) {
  int open = 0;
  for (const fs::directory_entry& fd : fs::directory_iterator("/proc/self/fd")) {
    std::error_code error;
    const fs::path target = fs::read_symlink(fd.path(), error);
    if (!error && target.parent_path() == dir) ++open;
  }
  return open;
}

// Six real journal files: four that follow each other in time (one of them holds another unit
// only), and two that overlap the second. The walk sees every entry of the unit once, in time
// order, with at most the overlapping files open at once; --since starts inside a file.
TEST(JournalFilesTest, AWalkOpensAWindowOfFilesAndSeesEveryEntryOnce) {
  testing::ScopedTempDir dir;
  constexpr uint64_t kStart = 1764547200000000;
  WriteJournal(dir.path() / "a@1.journal", "w.service", kStart, 10, 6000, "a");
  WriteJournal(dir.path() / "b@2.journal", "w.service", kStart + 60000, 10, 5000, "b");
  WriteJournal(dir.path() / "c@3.journal", "w.service", kStart + 60005, 20, 2500, "c");
  WriteJournal(dir.path() / "d@4.journal", "w.service", kStart + 60007, 20, 2500, "d");
  WriteJournal(dir.path() / "e@5.journal", "other.service", kStart + 200000, 10, 3000, "e");
  WriteJournal(dir.path() / "f.journal", "w.service", kStart + 300000, 10, 4500, "f");
  if (::testing::Test::HasFatalFailure()) return;
  HostContext host;
  host.journal_directory = dir.path().string();
  std::vector<uint64_t> seen;
  std::map<char, int> per_file;
  int most_open = 0;
  bool in_order = true;
  const Status walked = ForEachUnitJournalEntry(
      host, "w.service", std::nullopt, Deadline::In(seconds(60)), [&](const JournalEntry& entry) {
        in_order = in_order && (seen.empty() || entry.realtime_usec >= seen.back());
        seen.push_back(entry.realtime_usec);
        ++per_file[entry.message[0]];
        if (seen.size() % 500 == 0) most_open = std::max(most_open, OpenJournalFiles(dir.path()));
        return Status::Ok();
      });
  ASSERT_TRUE(walked.ok()) << walked.message();
  EXPECT_EQ(seen.size(), 20500u);
  EXPECT_EQ(per_file,
            (std::map<char, int>{{'a', 6000}, {'b', 5000}, {'c', 2500}, {'d', 2500}, {'f', 4500}}));
  EXPECT_TRUE(in_order);
  EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).size(), seen.size()) << "repeated";
  EXPECT_GE(most_open, 1);
  EXPECT_LE(most_open, 4) << "more files open than overlap";

  // From inside b: b's entries from there on, and those of the files after.
  seen.clear();
  per_file.clear();
  const Status since = ForEachUnitJournalEntry(
      host, "w.service", kStart + 80000, Deadline::In(seconds(60)), [&](const JournalEntry& entry) {
        seen.push_back(entry.realtime_usec);
        ++per_file[entry.message[0]];
        return Status::Ok();
      });
  ASSERT_TRUE(since.ok()) << since.message();
  EXPECT_EQ(per_file, (std::map<char, int>{{'b', 3000}, {'c', 1500}, {'d', 1500}, {'f', 4500}}));
  EXPECT_EQ(seen.front(), kStart + 80000);
}

// A unit that logs only late in a long file, while short files of other units begin and end
// meanwhile: each short file is left behind once the walk passes it, though no entry of the unit
// moved its position, so they are never all open at once.
TEST(JournalFilesTest, FilesPassedBeforeAUnitsFirstEntryAreClosed) {
  testing::ScopedTempDir dir;
  constexpr uint64_t kStart = 1764547200000000;
  // long: 0 .. 99,900 µs, late.service from 90,000 on.
  WriteJournal(dir.path() / "long@1.journal", "other.service", kStart, 100, 1000, "l", 900,
               "late.service");
  for (int i = 0; i < 6; ++i) {
    WriteJournal(dir.path() / fmt::format("short{}@2.journal", i), "other.service",
                 kStart + 10000 + i * 10000, 10, 500, "s");
  }
  if (::testing::Test::HasFatalFailure()) return;
  HostContext host;
  host.journal_directory = dir.path().string();
  int seen = 0, most_open = 0;
  const Status walked = ForEachUnitJournalEntry(
      host, "late.service", std::nullopt, Deadline::In(seconds(60)), [&](const JournalEntry&) {
        ++seen;
        most_open = std::max(most_open, OpenJournalFiles(dir.path()));
        return Status::Ok();
      });
  ASSERT_TRUE(walked.ok()) << walked.message();
  EXPECT_EQ(seen, 100);
  EXPECT_LE(most_open, 2) << "the short files passed before are still open";
}

}  // namespace
}  // namespace flightcheck
