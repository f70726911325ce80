#include "runner/redactor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

namespace flightcheck {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int64_t CountOf(const Redactor& redactor, RedactionRule rule) {
  return redactor.counts()[static_cast<size_t>(rule)];
}

TEST(RedactorTest, RuleNamesAreOneTable) {
  EXPECT_EQ(RedactionRuleName(RedactionRule::kPrivateKey), "private-key");
  EXPECT_EQ(RedactionRuleName(RedactionRule::kAwsAccessKeyId), "aws-access-key-id");
}

TEST(RedactorTest, SecretValuesInEveryFileFormat) {
  struct Case {
    std::string in, out;
  };
  const Case cases[] = {
      // YAML, plain and quoted
      {"password: hunter2hunter", "password: [REDACTED]"},
      {"  db_password: \"s3cr et\"", "  db_password: \"[REDACTED]\""},
      {"api_token: 'abc def'", "api_token: '[REDACTED]'"},
      // JSON
      {R"({"clientSecret": "xyz\"q", "name": "web"})",
       R"({"clientSecret": "[REDACTED]", "name": "web"})"},
      // INI and env files
      {"secret_key = AbCdEf123", "secret_key = [REDACTED]"},
      {"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "AWS_SECRET_ACCESS_KEY=[REDACTED]"},
      {"export GITHUB_TOKEN=ghp_1234567890", "export GITHUB_TOKEN=[REDACTED]"},
      // command lines and output
      {"mysql --password=topsecret -h db", "mysql --password=[REDACTED] -h db"},
      {"exhibitor_azure_account_key: Zm9vYmFy", "exhibitor_azure_account_key: [REDACTED]"},
      // URLs with credentials
      {"proxy is http://admin:pa55@proxy.local:3128/x",
       "proxy is http://[REDACTED]@proxy.local:3128/x"},
      {"git clone https://tok@en@github.com/a", "git clone https://[REDACTED]@github.com/a"},
      // authorization headers
      {"Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "Authorization: Bearer [REDACTED]"},
      {"authorization: basic dXNlcjpwYXNzd29yZA==", "authorization: basic [REDACTED]"},
      // AWS access key ids anywhere
      {"using AKIAIOSFODNN7EXAMPLE for s3", "using [REDACTED] for s3"},
  };
  for (const Case& c : cases) {
    Redactor redactor;
    EXPECT_EQ(redactor.Redact(c.in), c.out) << c.in;
    EXPECT_GE(redactor.total(), 1) << c.in;
  }
}

TEST(RedactorTest, WhatIsNoSecretStays) {
  for (const char* text : {"password:", "token refresh started", "keys: 3", "the key is [ok]",
                           "url http://proxy.local:3128/x", "Bearer short", "monkey=banana"}) {
    Redactor redactor;
    EXPECT_EQ(redactor.Redact(text), text);
    EXPECT_EQ(redactor.total(), 0) << text;
  }
}

TEST(RedactorTest, PrivateKeyBlocksGoWholeAcrossLinesAndChunks) {
  const std::string text =
      "before\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nQUJDREVGRw==\n"
      "-----END OPENSSH PRIVATE KEY-----\nafter\n"
      "inline: \"-----BEGIN RSA PRIVATE KEY-----\\nMIIEpAIBAAK\\n-----END RSA PRIVATE KEY-----\"\n";
  // Any chunking gives the same result.
  for (size_t step : {size_t{1}, size_t{3}, size_t{7}, text.size()}) {
    Redactor redactor;
    std::string out;
    for (size_t at = 0; at < text.size(); at += step) redactor.Feed(text.substr(at, step), &out);
    redactor.Finish(&out);
    EXPECT_EQ(out,
              "before\n-----BEGIN OPENSSH PRIVATE KEY-----\n[REDACTED]"
              "-----END OPENSSH PRIVATE KEY-----\nafter\n"
              "inline: \"-----BEGIN RSA PRIVATE KEY-----[REDACTED]"
              "-----END RSA PRIVATE KEY-----\"\n")
        << step;
    EXPECT_EQ(CountOf(redactor, RedactionRule::kPrivateKey), 2);
  }
}

TEST(RedactorTest, WhatComesBeforeAKeyOnItsLineIsStillRedacted) {
  Redactor redactor({"KnownLiteral"});
  EXPECT_EQ(redactor.Redact("password=abcdefgh KnownLiteral -----BEGIN RSA PRIVATE KEY-----MII\n"),
            "password=[REDACTED] [REDACTED] -----BEGIN RSA PRIVATE KEY-----\n");
}

TEST(RedactorTest, AKeyWithoutItsEndTakesTheRestOfTheInput) {
  Redactor redactor;
  const std::string out =
      redactor.Redact("x\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\nmore key\n");
  EXPECT_EQ(out, "x\n-----BEGIN EC PRIVATE KEY-----\n");
  EXPECT_THAT(out, Not(HasSubstr("MHcC")));
}

TEST(RedactorTest, KnownSecretsGoWhereverTheyAre) {
  const std::string hash = "$6$rounds=5000$saltsalt$Qk0Ym9vYmFyYmF6";
  Redactor redactor({hash, "short"});  // "short" is under the minimum: ignored
  const std::string out = redactor.Redact("config hash " + hash + " (superuser) short\n");
  EXPECT_EQ(out, "config hash [REDACTED] (superuser) short\n");
  EXPECT_EQ(CountOf(redactor, RedactionRule::kKnownSecret), 1);
}

TEST(RedactorTest, AnOverlongLineIsBoundedAndStillRedacted) {
  Redactor redactor;
  std::string out;
  const std::string filler(Redactor::kMaxLineBytes + 10, 'x');
  redactor.Feed(filler, &out);
  redactor.Feed(" password=abcdefgh\n", &out);
  redactor.Finish(&out);
  EXPECT_EQ(out.size(), filler.size() + std::string(" password=[REDACTED]\n").size());
  EXPECT_THAT(out, Not(HasSubstr("abcdefgh")));
}

// Random text with planted secrets, cut into random chunks: the secrets never survive.
TEST(RedactorTest, PlantedSecretsNeverSurviveRandomChunking) {
  std::mt19937 random(7);
  const std::vector<std::string> planted = {"password=Plant3dPass",
                                            "\"token\": \"Plant3dTok\"",
                                            "https://u:Plant3dUrl@h/",
                                            "Bearer Plant3dBearer1",
                                            "AKIAPLANT3DAWSKEY123",
                                            "\n-----BEGIN PRIVATE KEY-----\nPlant3dKey\n"
                                            "-----END PRIVATE KEY-----\n"};
  for (int round = 0; round < 200; ++round) {
    std::string text;
    for (int piece = 0; piece < 20; ++piece) {
      if (random() % 3 == 0) {
        text += planted[random() % planted.size()];
      } else {
        for (int i = random() % 40; i > 0; --i) text += " \nabc:=\"'@/"[random() % 10];
      }
      text += random() % 2 ? "\n" : " ";
    }
    Redactor redactor;
    std::string out;
    for (size_t at = 0; at < text.size();) {
      const size_t step = 1 + random() % 30;
      redactor.Feed(std::string_view(text).substr(at, step), &out);
      at += step;
    }
    redactor.Finish(&out);
    EXPECT_THAT(out, Not(HasSubstr("Plant3d"))) << text;
    EXPECT_THAT(out, Not(HasSubstr("PLANT3D"))) << text;
  }
}

}  // namespace
}  // namespace flightcheck
