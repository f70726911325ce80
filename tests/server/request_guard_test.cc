#include "server/request_guard.h"

#include <gtest/gtest.h>

#include <string>

namespace flightcheck::server {
namespace {

TEST(RequestGuardTest, VerdictsOfHeads) {
  const HeadLimits limits{.request_line_bytes = 64, .head_bytes = 256, .body_bytes = 100};
  struct Case {
    std::string received;
    HeadVerdict verdict;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", HeadVerdict::kAcceptable},
      {"GET / HTTP/1.1\nHost: x\n\n", HeadVerdict::kAcceptable},
      {"GET / HTTP/1.0\r\n\r\n", HeadVerdict::kAcceptable},
      {"GET / HTTP/1.1\r\nHost: x\r\n", HeadVerdict::kIncomplete},
      {"GET / HT", HeadVerdict::kIncomplete},
      {"", HeadVerdict::kIncomplete},
      {"GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", HeadVerdict::kUriTooLong},
      {"GET /" + std::string(100, 'a'), HeadVerdict::kUriTooLong},  // before the line ends
      {"GET / HTTP/1.1\r\nX: " + std::string(300, 'a') + "\r\n\r\n", HeadVerdict::kHeadTooLarge},
      {"GET / HTTP/1.1\r\nX: " + std::string(300, 'a'), HeadVerdict::kHeadTooLarge},
      {"POST /x HTTP/1.1\r\nContent-Length: 101\r\n\r\n", HeadVerdict::kBodyTooLarge},
      {"POST /x HTTP/1.1\r\ncontent-length:  100 \r\n\r\n{}", HeadVerdict::kAcceptable},
      {"POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n",
       HeadVerdict::kBodyTooLarge},
      {"POST /x HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", HeadVerdict::kBadRequest},
      {"POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n", HeadVerdict::kBadRequest},
      {"POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
       HeadVerdict::kBadRequest},
      {"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", HeadVerdict::kBadRequest},
      {std::string("GET /\0 HTTP/1.1\r\n\r\n", 19), HeadVerdict::kBadRequest},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CheckRequestHead(c.received, limits), c.verdict) << c.received.substr(0, 80);
  }
}

TEST(RequestGuardTest, StatusesAClientCanActOn) {
  EXPECT_EQ(StatusForVerdict(HeadVerdict::kUriTooLong), 414);
  EXPECT_EQ(StatusForVerdict(HeadVerdict::kHeadTooLarge), 431);
  EXPECT_EQ(StatusForVerdict(HeadVerdict::kBodyTooLarge), 413);
  EXPECT_EQ(StatusForVerdict(HeadVerdict::kBadRequest), 400);
  EXPECT_EQ(StatusForVerdict(HeadVerdict::kAcceptable), 0);
  EXPECT_EQ(StatusForVerdict(HeadVerdict::kIncomplete), 0);
}

TEST(RequestGuardTest, ABodilessPostGetsAnEmptyContentLength) {
  const std::string post = "POST /system/checks/v1/node/ HTTP/1.1\r\nHost: x\r\n\r\n";
  ASSERT_EQ(MissingContentLengthAt(post), post.size() - 2);
  EXPECT_EQ(MissingContentLengthAt("POST / HTTP/1.1\nHost: x\n\n"), 24u);
  EXPECT_EQ(MissingContentLengthAt("GET / HTTP/1.1\r\n\r\n"), std::nullopt);
  EXPECT_EQ(MissingContentLengthAt("HEAD / HTTP/1.1\r\n\r\n"), std::nullopt);
  EXPECT_EQ(MissingContentLengthAt("POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}"), std::nullopt);
  EXPECT_EQ(MissingContentLengthAt("POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n"),
            std::nullopt);
}

}  // namespace
}  // namespace flightcheck::server
