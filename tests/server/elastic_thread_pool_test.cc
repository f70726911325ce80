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
    // The next job comes once the thread waits again (one that came while it was between the end
    // of its job and waiting would rightly get a thread of its own).
    while (pool.idle_threads() != pool.threads()) std::this_thread::sleep_for(milliseconds(1));
  }
  EXPECT_EQ(pool.threads(), 1u);
  EXPECT_EQ(ran_on.size(), 1u);
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
