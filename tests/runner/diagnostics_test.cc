#include "runner/diagnostics.h"

#include <gtest/gtest.h>

#include "runner/spellcheck.h"

namespace flightcheck {
namespace {

TEST(DiagnosticsTest, FormatsWithSourceLineAndCaret) {
  const SourceFile file{"rules/x.yaml", "a: 1\n  expct: true\n"};
  DiagnosticList list;
  list.Error(file, 2, 3, "unknown key 'expct'");
  EXPECT_EQ(list.Format(), "rules/x.yaml:2:3: error: unknown key 'expct'\n  expct: true\n  ^\n");
}

TEST(DiagnosticsTest, TabsAreKeptUnderTheCaretAndFileErrorsHaveNoPosition) {
  const SourceFile file{"f.yaml", "\tkey: x\n"};
  DiagnosticList list;
  list.Error(file, 1, 3, "m");
  list.FileError("g.yaml", "cannot read");
  EXPECT_EQ(list.Format(), "f.yaml:1:3: error: m\n\tkey: x\n\t ^\ng.yaml: error: cannot read\n");
}

TEST(DiagnosticsTest, SortByPositionKeepsFileOrder) {
  const SourceFile b{"b.yaml", "x\ny\n"};
  const SourceFile a{"a.yaml", "x\ny\n"};
  DiagnosticList list;
  list.Error(b, 2, 1, "b2");
  list.Error(a, 1, 1, "a1");
  list.Error(b, 1, 1, "b1");
  list.SortByPosition();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list.diagnostics()[0].message, "b1");
  EXPECT_EQ(list.diagnostics()[1].message, "b2");
  EXPECT_EQ(list.diagnostics()[2].message, "a1");
}

TEST(SpellCheckTest, SuggestsCloseNamesOnly) {
  const std::vector<std::string> names = {"expect", "probe", "requires"};
  EXPECT_EQ(SpellCheck("expct", names), "expect");
  EXPECT_EQ(SpellCheck("requiers", names), "requires");
  EXPECT_EQ(SpellCheck("zzz", names), std::nullopt);
  EXPECT_EQ(DidYouMean("prob", names), " (did you mean 'probe'?)");
  EXPECT_EQ(DidYouMean("qqqqqqq", names), "");
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3);
}

}  // namespace
}  // namespace flightcheck

namespace flightcheck {
namespace {

TEST(DiagnosticListTest, AMultiLineValueInAMessageStaysOnOneLine) {
  DiagnosticList list;
  const SourceFile file{"r.yaml", "roles: \"a\\nb\"\n"};
  list.Error(file, 1, 8, "unknown role 'a\nb'");
  EXPECT_EQ(list.Format(), "r.yaml:1:8: error: unknown role 'a\\nb'\nroles: \"a\\nb\"\n       ^\n");
}

}  // namespace
}  // namespace flightcheck
