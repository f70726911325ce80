#include "server/health_api.h"

#include <gtest/gtest.h>

namespace flightcheck::server {
namespace {

TEST(HealthApiTest, PathIds) {
  for (const char* good :
       {"dcos-mesos-master.service", "10.0.0.1", "fe80::1", "a@b.service", "x_y"}) {
    EXPECT_TRUE(IsValidPathId(good)) << good;
  }
  for (const std::string& bad :
       {std::string(""), std::string("."), std::string(".."), std::string("../etc"),
        std::string("/etc/passwd"), std::string("a\0b", 3), std::string("a b"), std::string("a%2e"),
        std::string(256, 'a'), std::string("a\\b")}) {
    EXPECT_FALSE(IsValidPathId(bad)) << bad;
  }
}

TEST(HealthApiTest, TokenComparison) {
  EXPECT_TRUE(TokenMatches("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(TokenMatches("0123456789abcdeF", "0123456789abcdef"));
  EXPECT_FALSE(TokenMatches("0123456789abcde", "0123456789abcdef"));
  EXPECT_FALSE(TokenMatches("0123456789abcdef0", "0123456789abcdef"));
  EXPECT_FALSE(TokenMatches("", "0123456789abcdef"));
}

TEST(HealthApiTest, CheckRunnerStatuses) {
  Report report;
  auto add = [&report](std::string id, RuleStatus status) {
    RuleResult result;
    result.id = std::move(id);
    result.status = status;
    result.message = "m";
    report.results.push_back(result);
  };
  add("ok", RuleStatus::kPass);
  add("warn", RuleStatus::kWarn);
  EXPECT_EQ(CheckRunnerResult(report)["status"], 1);
  add("fail", RuleStatus::kFail);
  EXPECT_EQ(CheckRunnerResult(report)["status"], 2);
  add("error", RuleStatus::kError);
  const nlohmann::json json = CheckRunnerResult(report);
  EXPECT_EQ(json["status"], 3);
  EXPECT_EQ(json["checks"]["fail"], nlohmann::json({{"output", "m"}, {"status", 2}}));
  EXPECT_EQ(CheckRunnerResult(Report{})["status"], 3);  // nothing ran is not OK
}

}  // namespace
}  // namespace flightcheck::server
