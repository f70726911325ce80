#include "server/elastic_thread_pool.h"

#include <algorithm>
#include <utility>

namespace flightcheck::server {

ElasticThreadPool::ElasticThreadPool(size_t max_threads)
    : max_threads_(std::max<size_t>(1, max_threads)) {}

ElasticThreadPool::~ElasticThreadPool() { shutdown(); }

void ElasticThreadPool::enqueue(std::function<void()> job) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (shutting_down_) return;  // cpp-httplib stops accepting before it shuts the pool down
  jobs_.push_back(std::move(job));
  // Idle threads that were woken but have not taken their job yet still count as idle: a new
  // thread is needed only when the queue outgrows them.
  if (jobs_.size() > idle_ && started_ < max_threads_) {
    ++started_;
    threads_.emplace_back([this] { Work(); });
  } else {
    wake_.notify_one();
  }
}

void ElasticThreadPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    shutting_down_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& thread : threads) thread.join();
}

size_t ElasticThreadPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return started_;
}

size_t ElasticThreadPool::idle_threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return idle_;
}

void ElasticThreadPool::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return !jobs_.empty() || shutting_down_; });
    --idle_;
    if (jobs_.empty()) return;  // shutting down, and nothing left to run
    std::function<void()> job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

}  // namespace flightcheck::server
