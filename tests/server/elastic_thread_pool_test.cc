#include "server/elastic_thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <set>
#include <thread>

namespace flightcheck::server {
namespace {

using std::chrono::milliseconds;

TEST(ElasticThreadPoolTest, JobsOneAtATimeNeedOneThread) {
  ElasticThreadPool pool(8);
  EXPECT_EQ(pool.threads(), 0u);
  std::set<std::thread::id> ran_on;
  for (int i = 0; i < 20; ++i) {
    std::promise<std::thread::id> done;
    pool.enqueue([&done] { done.set_value(std::this_thread::get_id()); });
    ran_on.insert(done.get_future().get());
  }
  // A job can come while the thread that ran the last one is between its end and waiting again,
  // which starts a second thread; never a third, since only one job is ever in flight.
  EXPECT_LE(pool.threads(), 2u);
  EXPECT_EQ(ran_on.size(), pool.threads());
  pool.shutdown();
}

TEST(ElasticThreadPoolTest, ConcurrentJobsStartThreadsUpToTheLimitAndTheRestWait) {
  ElasticThreadPool pool(3);
  std::latch release(1);
  std::atomic<int> running{0}, finished{0}, most_at_once{0};
  for (int i = 0; i < 5; ++i) {
    pool.enqueue([&] {
      const int now = ++running;
      for (int seen = most_at_once; now > seen && !most_at_once.compare_exchange_weak(seen, now);) {
      }
      release.wait();
      --running;
      ++finished;
    });
  }
  for (int wait = 0; wait < 2000 && running < 3; ++wait)
    std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(running, 3);  // the limit, and the two others queued
  EXPECT_EQ(pool.threads(), 3u);
  release.count_down();
  pool.shutdown();  // runs what was queued, then joins
  EXPECT_EQ(finished, 5);
  EXPECT_EQ(most_at_once, 3);
  EXPECT_EQ(pool.threads(), 3u);
}

TEST(ElasticThreadPoolTest, AJobAfterShutdownIsDropped) {
  ElasticThreadPool pool(2);
  pool.shutdown();
  bool ran = false;
  pool.enqueue([&ran] { ran = true; });
  EXPECT_FALSE(ran);
  EXPECT_EQ(pool.threads(), 0u);
}

}  // namespace
}  // namespace flightcheck::server
