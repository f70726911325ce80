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
  EXPECT_EQ(Ids(SelectRules(rules, options)),
            (std::vector<std::string>{"docker.running", "docker.version"}))
      << "without --role, role-specific rules are not selected";
  options.role = "public_agent";
  EXPECT_EQ(Ids(SelectRules(rules, options)),
            (std::vector<std::string>{"docker.running", "docker.version", "ports.agent"}));
  options.tags = {"network"};
  EXPECT_EQ(Ids(SelectRules(rules, options)), (std::vector<std::string>{"ports.agent"}));
  options = {};
  options.only = {"docker.*"};
  options.skip = {"docker.version"};
  EXPECT_EQ(Ids(SelectRules(rules, options)), (std::vector<std::string>{"docker.running"}));
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
