// GenconfLock's takeover note: a record left in the lock file means its holder died holding it.
#include "installer/genconf.h"

#include <gtest/gtest.h>

#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

TEST(GenconfLockTest, ALockLeftByADeadHolderIsTakenOverWithANote) {
  testing::ScopedTempDir dir;
  // What a `flightcheck deploy` killed with SIGKILL leaves: its record, and no lock held.
  dir.WriteFile("genconf/.lock", "deploy 999999999 1764590400\n");
  {
    Result<GenconfLock> lock = GenconfLock::Acquire(dir.path() / "genconf", "preflight");
    ASSERT_TRUE(lock) << lock.error().ToString();
    EXPECT_EQ(lock->takeover_note(),
              "taking over the lock of deploy (pid 999999999, started 2025-12-01 12:00:00 UTC), "
              "which is no longer running");
    // While held, a second one is refused, naming the holder.
    Result<GenconfLock> second = GenconfLock::Acquire(dir.path() / "genconf", "deploy");
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().code(), ErrorCode::kUnavailable);
    EXPECT_NE(second.error().message().find("another preflight (pid "), std::string::npos)
        << second.error().message();
  }
  // Released normally: the record is cleared, so the next holder has nothing to take over.
  EXPECT_EQ(testing::ReadTextFile(dir.path() / "genconf/.lock"), "");
  Result<GenconfLock> clean = GenconfLock::Acquire(dir.path() / "genconf", "genconf");
  ASSERT_TRUE(clean);
  EXPECT_EQ(clean->takeover_note(), "");
}

}  // namespace
}  // namespace flightcheck
