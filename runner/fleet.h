// Bounded fan-out on one io_context: at most `parallelism` hosts are worked on at once, the rest
// wait for a slot (ssh_parallelism).
//
// Blocks the calling thread, which runs the io_context until every task finished.
#pragma once

#include <cstddef>
#include <functional>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

namespace flightcheck {

using FleetTask = std::function<boost::asio::awaitable<void>(size_t index)>;

// Runs task(0) ... task(count - 1), in index order as slots free up. Tasks should not throw; if
// one does, the others still run to the end and then the first exception is rethrown.
void RunBounded(boost::asio::io_context& io, size_t count, int parallelism, const FleetTask& task);

}  // namespace flightcheck
