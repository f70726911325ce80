#include "runner/secret_policy.h"

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

TEST(SecretPolicyTest, SecretNames) {
  EXPECT_TRUE(HasSecretName("superuser_password"));
  EXPECT_TRUE(HasSecretName("zk_agent_credentials"));
  EXPECT_TRUE(HasSecretName("aws_secret"));
  EXPECT_FALSE(HasSecretName("ssh_key_path"));
  EXPECT_FALSE(HasSecretName("cluster_name"));
}

TEST(SecretPolicyTest, UrlCredentialsAreRemovedAndNothingElse) {
  EXPECT_EQ(RemoveUrlCredentials("http://u:p@proxy.example:3128"), "http://proxy.example:3128");
  EXPECT_EQ(RemoveUrlCredentials("https://token@github.com/x/y?a=b@c"),
            "https://github.com/x/y?a=b@c");
  EXPECT_EQ(RemoveUrlCredentials("a http://u:p@h/x and ftp://v@w b"), "a http://h/x and ftp://w b");
  EXPECT_EQ(RemoveUrlCredentials("http://u:p@a@h/"), "http://h/") << "the last @ ends userinfo";
  EXPECT_EQ(RemoveUrlCredentials("mail me@example.com, http://plain/"),
            "mail me@example.com, http://plain/");
  EXPECT_EQ(RemoveUrlCredentials("://@"), "://");
  EXPECT_TRUE(HasUrlCredentials("http://u:p@h"));
  EXPECT_FALSE(HasUrlCredentials("http://h/@x"));
}

}  // namespace
}  // namespace flightcheck
