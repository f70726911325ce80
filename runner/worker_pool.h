// WorkerPool: threads for blocking calls that may never return.
//
// Some probe calls cannot be bounded from inside (an NSS lookup stuck in a hung LDAP server, a
// read from a hung NFS mount). The scheduler runs probes here so that such a call holds up only
// its own thread: when a caller gives up on a task it calls ReplaceAbandoned(), which starts a
// thread in its place, so the pool keeps its width; and destroying the pool never waits for a
// running task. Threads are detached and own the shared queue together with the pool, so a task
// that returns after the pool was destroyed finds valid state and its thread then exits.
//
// A task must own (or share ownership of) everything it touches: it may outlive the pool's owner.
//
// Thread-safety: Submit and ReplaceAbandoned may be called from any thread.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace flightcheck {

class WorkerPool {
 public:
  explicit WorkerPool(size_t threads);
  // Drops queued tasks that have not started, tells idle threads to exit and returns at once;
  // a thread inside a task exits when the task returns.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Submit(std::function<void()> task);

  // Starts one more thread, for a task the caller stopped waiting for.
  void ReplaceAbandoned();

  // Threads alive now, including those inside abandoned tasks (for tests).
  size_t threads() const;

 private:
  struct Shared;
  static void WorkerLoop(std::shared_ptr<Shared> shared);

  std::shared_ptr<Shared> shared_;
};

}  // namespace flightcheck
