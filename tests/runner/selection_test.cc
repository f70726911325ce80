#include "runner/selection.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

RuleSet MakeRules() {
  RuleSet set;
  auto add = [&set](std::string id, std::string phase, std::vector<std::string> roles,
                    std::vector<std::string> tags) {
    Rule rule;
    rule.id = std::move(id);
    rule.phase = std::move(phase);
    rule.roles = std::move(roles);
    rule.tags = std::move(tags);
    set.rules.push_back(std::move(rule));
  };
  add("docker.running", "preflight", {}, {"docker"});
  add("docker.version", "preflight", {}, {"docker"});
  add("ports.master", "preflight", {"master"}, {"network"});
  add("ports.agent", "preflight", {"agent", "public_agent"}, {"network"});
  add("zookeeper.quorum", "postflight", {}, {});
  return set;
}

std::vector<std::string> Ids(const std::vector<const Rule*>& rules) {
  std::vector<std::string> ids;
  for (const Rule* rule : rules) ids.push_back(rule->id);
  return ids;
}

TEST(SelectionTest, PhaseRoleTagsOnlySkip) {
  const RuleSet rules = MakeRules();
  SelectionOptions options;
  options.phase = "preflight";
  EXPECT_EQ(Ids(SelectRules(rules, options).rules),
            (std::vector<std::string>{"docker.running", "docker.version"}))
      << "without --role, role-specific rules are not selected";
  options.role = "public_agent";
  EXPECT_EQ(Ids(SelectRules(rules, options).rules),
            (std::vector<std::string>{"docker.running", "docker.version", "ports.agent"}));
  options.tags = {"network"};
  EXPECT_EQ(Ids(SelectRules(rules, options).rules), (std::vector<std::string>{"ports.agent"}));
  options = {};
  options.only = {"docker.*"};
  options.skip = {"docker.version"};
  EXPECT_EQ(Ids(SelectRules(rules, options).rules), (std::vector<std::string>{"docker.running"}));
}

TEST(SelectionTest, OnlyPullsInWhatItRequiresTransitivelyButNotWhatIsSkipped) {
  RuleSet rules = MakeRules();
  rules.rules[1].requirements = {"docker.running"};  // docker.version requires docker.running
  rules.rules[2].requirements = {"docker.version"};  // ports.master requires docker.version
  SelectionOptions options;
  options.role = "master";
  options.only = {"ports.master"};
  Selection selection = SelectRules(rules, options);
  EXPECT_EQ(Ids(selection.rules),
            (std::vector<std::string>{"docker.running", "docker.version", "ports.master"}));
  EXPECT_EQ(selection.pulled_in, (std::vector<std::string>{"docker.running", "docker.version"}));
  options.skip = {"docker.running"};
  selection = SelectRules(rules, options);
  EXPECT_EQ(Ids(selection.rules), (std::vector<std::string>{"docker.version", "ports.master"}))
      << "--skip is obeyed: the dependent is then reported as not checked";
}

TEST(SelectionTest, AnEmptySelectionNamesTheFilterAndWhatCouldBeChosen) {
  const RuleSet rules = MakeRules();
  auto problem = [&rules](SelectionOptions options) {
    return CheckSelectionNotEmpty(rules, options, SelectRules(rules, options)).message();
  };
  SelectionOptions options;
  options.phase = "health";
  EXPECT_EQ(problem(options),
            "--phase: no rule of phase 'health' in the rule files; phases with rules: preflight, "
            "postflight");
  options.phase = "preflight";
  options.tags = {"dockr"};
  EXPECT_EQ(problem(options),
            "--tag: no rule of phase 'preflight' has tag 'dockr' (did you mean 'docker'?); tags: "
            "docker");
  options.tags = {};
  options.skip = {"docker.*"};
  EXPECT_EQ(problem(options),
            "--only/--skip leave no rule to check; rules of phase 'preflight': docker.running, "
            "docker.version");
  options.skip = {};
  EXPECT_TRUE(CheckSelectionNotEmpty(rules, options, SelectRules(rules, options)).ok());
}

TEST(SelectionTest, NamesMustExist) {
  const RuleSet rules = MakeRules();
  EXPECT_TRUE(CheckRuleNames(rules, "--only", {"docker.running", "ports.*"}).ok());
  EXPECT_EQ(CheckRuleNames(rules, "--skip", {"docker.runing"}).message(),
            "--skip: no rule 'docker.runing' (did you mean 'docker.running'?)");
  EXPECT_EQ(CheckRuleNames(rules, "--only", {"kube.*"}).message(),
            "--only: no rule matches 'kube.*'");
}

TEST(SelectionTest, NameListsAndIgnore) {
  EXPECT_EQ(SplitNameList({"a,b", " c ", ""}), (std::vector<std::string>{"a", "b", "c"}));
  Result<IgnorePolicy> all = ParseIgnorePolicy({"all"});
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->Ignores("anything"));
  Result<IgnorePolicy> some = ParseIgnorePolicy({"docker.*", "ports.master"});
  ASSERT_TRUE(some);
  EXPECT_TRUE(some->Ignores("docker.version"));
  EXPECT_FALSE(some->Ignores("ports.agent"));
  EXPECT_FALSE(ParseIgnorePolicy({"all", "x"}));
}

}  // namespace
}  // namespace flightcheck
