#include "runner/fleet.h"

#include <algorithm>
#include <exception>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

namespace flightcheck {

namespace asio = boost::asio;

namespace {

// One slot: takes the next index until none is left. Arguments are by pointer to objects that
// outlive io.run(), which is what keeps them valid across suspensions.
asio::awaitable<void> Worker(size_t* next, size_t count, const FleetTask* task) {
  while (*next < count) {
    const size_t index = (*next)++;
    co_await (*task)(index);
  }
}

}  // namespace

void RunBounded(asio::io_context& io, size_t count, int parallelism, const FleetTask& task) {
  size_t next = 0;
  const size_t workers = std::min(count, static_cast<size_t>(std::max(parallelism, 1)));
  for (size_t i = 0; i < workers; ++i)
    asio::co_spawn(io, Worker(&next, count, &task), asio::detached);
  io.run();
  io.restart();
}

}  // namespace flightcheck
