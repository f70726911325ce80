#include "runner/bundle_sources.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "rules/builtin_rules.h"

namespace flightcheck {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kHead[] = "apiVersion: flightcheck/v1\nkind: BundleSources\nsources:\n";

TEST(BundleSourcesTest, TheBuiltInSourcesLoad) {
  ASSERT_EQ(BundleSourceFiles().size(), 1u);
  const BuiltinRuleFile& file = BundleSourceFiles()[0];
  EXPECT_EQ(file.name, "rules/bundle.yaml");
  const BundleSourcesLoad load = ParseBundleSources(file.text, file.name);
  EXPECT_THAT(load.problems, IsEmpty());
  EXPECT_GE(load.sources.size(), 10u);
}

TEST(BundleSourcesTest, AUserFileExtendsTheBuiltInsAndReplacesBySameId) {
  const BundleSourcesLoad builtin = ParseBundleSources(std::string(kHead) + R"(
  - id: cmd.a
    command: {argv: [echo, a]}
  - id: cmd.b
    command: {argv: [echo, b]}
)",
                                                       "builtin.yaml");
  const BundleSourcesLoad user = ParseBundleSources(std::string(kHead) + R"(
  - id: file.c
    file: {path: /etc/c}
  - id: cmd.a
    command: {argv: [echo, replaced]}
    required: true
)",
                                                    "user.yaml");
  ASSERT_TRUE(builtin.ok() && user.ok());
  const std::vector<BundleSource> sources = ExtendBundleSources(builtin.sources, user.sources);
  std::vector<std::string> ids;
  for (const BundleSource& source : sources) ids.push_back(source.id);
  EXPECT_THAT(ids, ElementsAre("cmd.a", "cmd.b", "file.c"));
  EXPECT_THAT(sources[0].argv, ElementsAre("echo", "replaced"));
  EXPECT_TRUE(sources[0].required);
}

TEST(BundleSourcesTest, EveryKindWithItsParameters) {
  const BundleSourcesLoad load = ParseBundleSources(std::string(kHead) + R"(
  - id: journal.x
    journal: {units: [a.service, "b-*.service"], since: 2h, timeout: 5s}
    max_bytes: 1MiB
    roles: [master]
  - id: cmd.x
    command: {argv: [ip, addr], timeout: 3s}
    required: true
  - id: file.x
    file: {path: /etc/hosts}
  - id: units.x
    units: {names: "dcos-*.service"}
)",
                                                    "s.yaml");
  ASSERT_THAT(load.problems, IsEmpty());
  ASSERT_EQ(load.sources.size(), 4u);
  const BundleSource& journal = load.sources[0];
  EXPECT_EQ(journal.kind, BundleSourceKind::kJournal);
  EXPECT_EQ(BundleSourceKindName(journal.kind), "journal");
  EXPECT_EQ(journal.units, (std::vector<std::string>{"a.service", "b-*.service"}));
  EXPECT_EQ(journal.since, std::chrono::hours(2));
  EXPECT_EQ(journal.timeout, std::chrono::seconds(5));
  EXPECT_EQ(journal.max_bytes, 1u << 20);
  EXPECT_EQ(journal.roles, std::vector<std::string>{"master"});
  EXPECT_EQ(load.sources[1].argv, (std::vector<std::string>{"ip", "addr"}));
  EXPECT_TRUE(load.sources[1].required);
  EXPECT_EQ(load.sources[2].path, "/etc/hosts");
  EXPECT_EQ(load.sources[3].units, std::vector<std::string>{"dcos-*.service"});
}

// Each mistake, and the message with where it is and what would be right.
TEST(BundleSourcesTest, MistakesAreReportedWithWhereAndWhat) {
  struct Case {
    std::string source;
    std::string problem;
    std::string also = "";  // a second problem the mistake causes
  };
  const Case cases[] = {
      {"  - id: a\n    comand: {argv: [ls]}\n",
       "s.yaml:5:5: unknown key 'comand' (did you mean 'command'?)",
       "s.yaml:4:5: a source needs one of journal, command, file, units"},
      {"  - id: a\n    command: {argv: ls}\n",
       "s.yaml:5:21: command.argv must be a list: [program, arg, ...]"},
      {"  - id: a\n    command: {args: [ls]}\n",
       "s.yaml:5:15: unknown parameter 'args' of command (did you mean 'argv'?); it takes argv, "
       "timeout"},
      {"  - id: a\n    file: {path: etc/hosts}\n",
       "s.yaml:5:18: file.path 'etc/hosts' must be absolute"},
      {"  - id: a\n    file: {path: /sys/class/net/}\n",
       "s.yaml:5:18: file.path '/sys/class/net/' must name a file: no empty, '.' or '..' part, "
       "no trailing '/', no backslash"},
      {"  - id: a\n    file: {path: /etc/../root/.ssh/id_rsa}\n",
       "s.yaml:5:18: file.path '/etc/../root/.ssh/id_rsa' must name a file: no empty, '.' or "
       "'..' part, no trailing '/', no backslash"},
      {"  - id: a\n    journal: {units: [x.service], since: yesterday}\n",
       "s.yaml:5:42: journal.since: 'yesterday' is not a duration such as 90s, 30m, 1h or 2d"},
      {"  - id: a\n    file: {path: /x}\n    roles: [masters]\n",
       "s.yaml:6:12: unknown role 'masters' (did you mean 'master'?); roles: master, agent, "
       "public_agent"},
      {"  - id: a\n    file: {path: /x}\n    max_bytes: lots\n",
       "s.yaml:6:16: max_bytes: 'lots' is not a size such as 16MiB"},
      {"  - id: a\n    file: {path: /x}\n    max_bytes: 1e70GiB\n",
       "s.yaml:6:16: max_bytes: '1e70GiB' is more than 1TiB"},
      {"  - file: {path: /x}\n", "s.yaml:4:5: a source needs an id"},
      {"  - id: a\n    max_bytes: 1MiB\n",
       "s.yaml:4:5: a source needs one of journal, command, file, units"},
      {"  - id: a\n    file: {path: /x}\n    command: {argv: [ls]}\n",
       "s.yaml:6:5: a source has one kind: 'file' and 'command' given"},
      {"  - id: a\n    file: {path: /x}\n  - id: a\n    file: {path: /y}\n",
       "s.yaml:6:9: id 'a' is declared twice"},
      {"  - id: a b\n    file: {path: /x}\n",
       "s.yaml:4:9: id 'a b' may hold only letters, digits, '.', '-' and '_'"},
      {"  - id: a\n    command: {timeout: 5s}\n", "s.yaml:5:14: command needs argv"},
  };
  for (const Case& c : cases) {
    const BundleSourcesLoad load = ParseBundleSources(std::string(kHead) + c.source, "s.yaml");
    if (c.also.empty()) {
      EXPECT_THAT(load.problems, ElementsAre(c.problem)) << c.source;
    } else {
      EXPECT_THAT(load.problems, ElementsAre(c.problem, c.also)) << c.source;
    }
    EXPECT_THAT(load.sources, IsEmpty());
  }
  EXPECT_THAT(
      ParseBundleSources("apiVersion: flightcheck/v1\nkind: RuleSet\nsources: []\n", "s.yaml")
          .problems,
      ElementsAre("s.yaml:2:7: kind must be BundleSources"));
  EXPECT_THAT(ParseBundleSources("sources: [\n", "s.yaml").problems.at(0),
              ::testing::StartsWith("s.yaml:2:1: invalid YAML: "));
}

}  // namespace
}  // namespace flightcheck
