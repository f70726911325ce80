#include "checks/status.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "checks/deadline.h"

namespace flightcheck {
namespace {

TEST(StatusTest, OkAndErrors) {
  EXPECT_TRUE(Status::Ok().ok());
  EXPECT_EQ(Status::Ok().ToString(), "ok");
  const Status timeout = Status::Timeout("docker info after 5s");
  EXPECT_FALSE(timeout.ok());
  EXPECT_TRUE(timeout.IsTimeout());
  EXPECT_EQ(timeout.ToString(), "timeout: docker info after 5s");
  EXPECT_EQ(timeout.WithContext("probe docker").message(), "probe docker: docker info after 5s");
  EXPECT_TRUE(Status::Ok().WithContext("x").ok());
}

TEST(StatusTest, FromErrnoMapsCodes) {
  EXPECT_EQ(Status::FromErrno("reading /x", ENOENT).code(), ErrorCode::kNotFound);
  EXPECT_EQ(Status::FromErrno("reading /x", EACCES).code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(Status::FromErrno("connect", ECONNREFUSED).code(), ErrorCode::kUnavailable);
  EXPECT_EQ(Status::FromErrno("connect", ETIMEDOUT).code(), ErrorCode::kTimeout);
  EXPECT_EQ(Status::FromErrno("reading /x", EACCES).ToString(),
            "permission denied: reading /x: Permission denied");
  // A path that cannot name a file is the path's problem, not an internal error.
  EXPECT_EQ(Status::FromErrno("reading /loop", ELOOP).ToString(),
            "invalid argument: reading /loop: Too many levels of symbolic links");
  EXPECT_EQ(Status::FromErrno("reading /etc", EISDIR).code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Status::FromErrno("reading /x", ENAMETOOLONG).code(), ErrorCode::kInvalidArgument);
}

TEST(ResultTest, ValueOrError) {
  Result<int> value = 42;
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 42);
  Result<int> error = Status::NotFound("no such thing");
  ASSERT_FALSE(error);
  EXPECT_TRUE(error.error().IsNotFound());
}

TEST(DeadlineTest, RemainingAndFormatting) {
  EXPECT_TRUE(Deadline().infinite());
  EXPECT_FALSE(Deadline().expired());
  EXPECT_TRUE(Deadline::In(Milliseconds(0)).expired());
  EXPECT_LE(Deadline::In(Milliseconds(500)).remaining(), Milliseconds(500));
  // A stop request expires a deadline that is far away, and leaves no time.
  std::stop_source stop;
  const Deadline stoppable = Deadline::In(std::chrono::hours(1)).WithStop(stop.get_token());
  EXPECT_FALSE(stoppable.expired());
  stop.request_stop();
  EXPECT_TRUE(stoppable.expired());
  EXPECT_EQ(stoppable.remaining(), Milliseconds(0));
  EXPECT_EQ(FormatDuration(Milliseconds(250)), "250ms");
  EXPECT_EQ(FormatDuration(Milliseconds(5000)), "5s");
  EXPECT_EQ(FormatDuration(Milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDuration(Milliseconds(120000)), "2m");
  EXPECT_EQ(FormatDuration(Milliseconds(3600000)), "1h");
}

}  // namespace
}  // namespace flightcheck
