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
  const BundleSourcesLoad extended =
      ExtendBundleSources(builtin.sources, user.sources, "user.yaml");
  ASSERT_THAT(extended.problems, IsEmpty());
  const std::vector<BundleSource>& sources = extended.sources;
  std::vector<std::string> ids;
  for (const BundleSource& source : sources) ids.push_back(source.id);
  EXPECT_THAT(ids, ElementsAre("cmd.a", "cmd.b", "file.c"));
  EXPECT_THAT(sources[0].argv, ElementsAre("echo", "replaced"));
  EXPECT_TRUE(sources[0].required);
}

// "disabled: true" removes the extended file's source of that id; an id it does not have is a
// mistake at the disabling entry, with a "did you mean".
TEST(BundleSourcesTest, ADisabledSourceRemovesTheOneItExtends) {
  const BundleSourcesLoad builtin = ParseBundleSources(std::string(kHead) + R"(
  - id: cmd.docker-ps
    command: {argv: [docker, ps]}
  - id: cmd.df
    command: {argv: [df]}
)",
                                                       "builtin.yaml");
  const BundleSourcesLoad user = ParseBundleSources(std::string(kHead) + R"(
  - id: cmd.docker-ps
    disabled: true
)",
                                                    "user.yaml");
  ASSERT_TRUE(builtin.ok()) << builtin.problems.at(0);
  ASSERT_TRUE(user.ok()) << user.problems.at(0);
  const BundleSourcesLoad extended =
      ExtendBundleSources(builtin.sources, user.sources, "user.yaml");
  ASSERT_THAT(extended.problems, IsEmpty());
  ASSERT_EQ(extended.sources.size(), 1u);
  EXPECT_EQ(extended.sources[0].id, "cmd.df");

  const BundleSourcesLoad typo = ParseBundleSources(std::string(kHead) + R"(
  - id: cmd.docker-pss
    disabled: true
)",
                                                    "user.yaml");
  ASSERT_TRUE(typo.ok());
  const BundleSourcesLoad refused = ExtendBundleSources(builtin.sources, typo.sources, "user.yaml");
  EXPECT_THAT(refused.problems,
              ElementsAre("user.yaml:5:5: disabled: 'cmd.docker-pss' is not a source this file "
                          "extends (did you mean 'cmd.docker-ps'?)"));
  EXPECT_THAT(refused.sources, IsEmpty());
  EXPECT_THAT(ExtendBundleSources({}, user.sources, "user.yaml").problems,
              ElementsAre("user.yaml:5:5: disabled: 'cmd.docker-ps' is not a source this file "
                          "extends (there are none: --no-builtin-sources)"));
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
  - id: http.x
    http: {url: "http://127.0.0.1:5050/state?jsonp=", timeout: 2s}
)",
                                                    "s.yaml");
  ASSERT_THAT(load.problems, IsEmpty());
  ASSERT_EQ(load.sources.size(), 5u);
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
  EXPECT_EQ(load.sources[4].kind, BundleSourceKind::kHttp);
  EXPECT_EQ(BundleSourceKindName(load.sources[4].kind), "http");
  EXPECT_EQ(load.sources[4].url, "http://127.0.0.1:5050/state?jsonp=");
  EXPECT_EQ(load.sources[4].timeout, std::chrono::seconds(2));
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
       "s.yaml:4:5: a source needs one of journal, command, file, units, http"},
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
       "s.yaml:4:5: a source needs one of journal, command, file, units, http"},
      {"  - id: a\n    file: {path: /x}\n    command: {argv: [ls]}\n",
       "s.yaml:6:5: a source has one kind: 'file' and 'command' given"},
      {"  - id: a\n    file: {path: /x}\n  - id: a\n    file: {path: /y}\n",
       "s.yaml:6:9: id 'a' is declared twice"},
      {"  - id: a b\n    file: {path: /x}\n",
       "s.yaml:4:9: id 'a b' may hold only letters, digits, '.', '-' and '_'"},
      {"  - id: a\n    command: {timeout: 5s}\n", "s.yaml:5:14: command needs argv"},
      {"  - id: a\n    http: {timeout: 5s}\n", "s.yaml:5:11: http needs url"},
      {"  - id: a\n    disabled: false\n",
       "s.yaml:5:15: disabled must be true (leave it out to collect the source)"},
      {"  - id: a\n    disabled: true\n    file: {path: /x}\n",
       "s.yaml:4:5: a disabled source has only its id and disabled: true; it removes the source "
       "'a' it extends"},
      {"  - id: a\n    http: {url: \"ftp://host/x\"}\n",
       "s.yaml:5:17: http.url 'ftp://host/x' must start with http:// or https:// and name a host"},
      {"  - id: a\n    http: {url: \"http://admin:hunter2@127.0.0.1/x\"}\n",
       "s.yaml:5:17: http.url must not hold credentials (user:password@): a URL is shown "
       "unredacted"},
      {"  - id: a\n    http: {url: \"http://:80/x\"}\n",
       "s.yaml:5:17: http.url 'http://:80/x' must name a host"},
      {"  - id: a\n    http: {url: \"http://host/a b\"}\n",
       "s.yaml:5:17: http.url 'http://host/a b' must not hold spaces or control characters"},
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
