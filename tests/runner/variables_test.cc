#include "runner/variables.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

using nlohmann::json;

TEST(VariablesTest, FlagsAndLists) {
  Result<Variables> vars = ParseVariableFlags({"master_list=10.0.0.1,10.0.0.2", "name=x"});
  ASSERT_TRUE(vars);
  EXPECT_EQ((*vars)["master_list"], json::array({"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ((*vars)["name"], "x");
  EXPECT_EQ(ParseVariableFlags({"novalue"}).error().message(),
            "--var 'novalue': expected NAME=VALUE (e.g. --var master_list=10.0.0.1,10.0.0.2)");
  EXPECT_FALSE(ParseVariableFlags({"=x"}));
}

TEST(VariablesTest, Substitution) {
  const Variables vars = {{"masters", json::array({"a", "b"})}, {"port", "2181"}};
  std::vector<std::string> missing;
  EXPECT_EQ(SubstituteVariables("${masters}", vars, &missing), json::array({"a", "b"}));
  EXPECT_EQ(SubstituteVariables("zk://${masters}:${port}", vars, &missing), "zk://a,b:2181");
  EXPECT_EQ(SubstituteVariables(json::array({"x", "${masters}"}), vars, &missing),
            json::array({"x", "a", "b"}));
  EXPECT_EQ(SubstituteVariables("${name:-localhost}", vars, &missing), "localhost");
  EXPECT_EQ(SubstituteVariables("${empty:-}", vars, &missing), "");
  EXPECT_TRUE(missing.empty());
  EXPECT_EQ(SubstituteVariables(json{{"servers", "${nope}"}}, vars, &missing),
            (json{{"servers", "${nope}"}}));
  EXPECT_EQ(missing, std::vector<std::string>{"nope"});
}

TEST(VariablesTest, Syntax) {
  EXPECT_TRUE(CheckVariableSyntax(json::array({"${a}", "b"})).ok());
  EXPECT_EQ(CheckVariableSyntax("${master_list").message(), "unclosed '${' in '${master_list'");
  EXPECT_EQ(CheckVariableSyntax("${a b}").message(),
            "invalid variable name 'a b' in '${a b}' (letters, digits, '_', '.', '-')");
  EXPECT_TRUE(HasVariables(json{{"x", {"${y}"}}}));
  EXPECT_FALSE(HasVariables(json{{"x", 1}}));
}

}  // namespace
}  // namespace flightcheck
