#include "runner/worker_pool.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace flightcheck {

struct WorkerPool::Shared {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> queue;
  bool stopping = false;
  size_t threads = 0;
};

void WorkerPool::WorkerLoop(std::shared_ptr<Shared> shared) {
  std::unique_lock lock(shared->mutex);
  for (;;) {
    shared->wake.wait(lock, [&] { return shared->stopping || !shared->queue.empty(); });
    if (shared->stopping) break;
    std::function<void()> task = std::move(shared->queue.front());
    shared->queue.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // release what the task captured before waiting again
    lock.lock();
  }
  --shared->threads;
}

WorkerPool::WorkerPool(size_t threads) : shared_(std::make_shared<Shared>()) {
  for (size_t i = 0; i < threads; ++i) ReplaceAbandoned();
}

WorkerPool::~WorkerPool() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
    dropped.swap(shared_->queue);
  }
  shared_->wake.notify_all();
  // dropped's tasks are destroyed here, outside the lock, without running.
}

void WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->queue.push_back(std::move(task));
  }
  shared_->wake.notify_one();
}

void WorkerPool::ReplaceAbandoned() {
  {
    std::lock_guard lock(shared_->mutex);
    ++shared_->threads;
  }
  std::thread(WorkerLoop, shared_).detach();
}

size_t WorkerPool::threads() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->threads;
}

}  // namespace flightcheck
