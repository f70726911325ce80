#include "runner/json_writer.h"

#include <gtest/gtest.h>

#include <random>

namespace flightcheck {
namespace {

std::string Reference(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

TEST(JsonWriterTest, WritesWhatNlohmannWrites) {
  const nlohmann::json values[] = {
      nullptr,
      true,
      false,
      0,
      -42,
      int64_t{-9223372036854775807LL - 1},
      uint64_t{18446744073709551615ULL},
      0.5,
      1e300,
      -0.0,
      3.0,
      "",
      "plain text /etc/bench/f000",
      "quote \" backslash \\ slash /",
      "tab\tnewline\ncarriage\rbell\x07 nul-free control \x1f del \x7f",
      "UTF-8: \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",
      "invalid: \xff\xfe \xc3 truncated \xe2\x82",
      nlohmann::json::array(),
      nlohmann::json::object(),
      {{"exists", true}, {"size", nullptr}, {"mode", "0644"}, {"list", {1, "two", 3.5}}},
      {{"nested", {{"deeper", {{"\xff key", "v"}}}}}},
  };
  for (const nlohmann::json& value : values) {
    EXPECT_EQ(JsonText(value), Reference(value)) << Reference(value);
  }
}

// Random byte strings, most of them not UTF-8, as string values and as keys.
TEST(JsonWriterTest, RandomBytesMatchTheReference) {
  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> length(0, 24);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> ascii(0x20, 0x7e);
  for (int i = 0; i < 5000; ++i) {
    std::string text;
    const int n = length(random);
    const bool mostly_ascii = i % 2 == 0;
    for (int j = 0; j < n; ++j) {
      text += static_cast<char>(mostly_ascii && j % 7 != 3 ? ascii(random) : byte(random));
    }
    const nlohmann::json value = {{text, text}, {"list", {text, i}}};
    ASSERT_EQ(JsonText(value), Reference(value));
  }
}

TEST(JsonWriterTest, AppendsToWhatIsThere) {
  std::string out = "x=";
  AppendJsonString(out, "a\"b");
  AppendJson(out, {1, 2});
  EXPECT_EQ(out, R"(x="a\"b"[1,2])");
}

}  // namespace
}  // namespace flightcheck
