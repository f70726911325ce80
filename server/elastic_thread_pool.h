// The request threads of the HTTP server: at most max_threads, started only when a job arrives and
// every existing thread is busy. cpp-httplib's ThreadPool starts all of them up front, and since a
// job goes to whichever thread wakes, every one of them soon carries a touched stack and its share
// of the malloc arena; here the number of threads (and their memory) follows the peak number of
// connections actually served at once. Threads that exist stay until shutdown.
//
// A job that arrives while max_threads jobs run waits in a FIFO queue.
// Thread-safety: enqueue may be called from any thread (a job enqueued after shutdown is dropped);
// shutdown from the thread that owns the pool (cpp-httplib's accept loop): it lets queued jobs
// run, then joins every thread. The destructor shuts down if that was not done.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>

namespace flightcheck::server {

class ElasticThreadPool : public httplib::TaskQueue {
 public:
  explicit ElasticThreadPool(size_t max_threads);
  ~ElasticThreadPool() override;
  ElasticThreadPool(const ElasticThreadPool&) = delete;
  ElasticThreadPool& operator=(const ElasticThreadPool&) = delete;

  void enqueue(std::function<void()> job) override;
  void shutdown() override;

  // Threads started so far (never more than max_threads), and those of them waiting for a job.
  size_t threads() const;
  size_t idle_threads() const;

 private:
  void Work();

  const size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::vector<std::thread> threads_;
  size_t started_ = 0;
  size_t idle_ = 0;  // threads waiting for a job
  bool shutting_down_ = false;
};

}  // namespace flightcheck::server
