// Deadline: a point in steady time by which an operation must give up.
//
// Probes receive one and must honour it: commands are killed, sockets time out, waits end. A
// default-constructed Deadline never expires. A deadline may also carry a stop token: once a stop
// is requested it counts as expired, so a run that is being stopped (a daemon's SIGTERM) ends its
// commands at their next check rather than at their timeout. Value type; thread-compatible.
#pragma once

#include <chrono>
#include <stop_token>
#include <string>

namespace flightcheck {

using SteadyClock = std::chrono::steady_clock;
using Milliseconds = std::chrono::milliseconds;

class Deadline {
 public:
  Deadline() = default;  // never expires
  static Deadline At(SteadyClock::time_point at) { return Deadline(at); }
  static Deadline In(SteadyClock::duration duration) {
    return Deadline(SteadyClock::now() + duration);
  }

  // The same deadline, also expired once stop is requested.
  Deadline WithStop(std::stop_token stop) const {
    Deadline copy = *this;
    copy.stop_ = std::move(stop);
    return copy;
  }

  bool stop_requested() const { return stop_.stop_requested(); }
  bool expired() const { return stop_requested() || SteadyClock::now() >= at_; }
  bool infinite() const { return at_ == SteadyClock::time_point::max(); }
  SteadyClock::time_point at() const { return at_; }

  // Time left, never negative; a large value for an infinite deadline.
  Milliseconds remaining() const {
    if (stop_requested()) return Milliseconds(0);
    if (infinite()) return std::chrono::hours(24 * 365);
    auto left = std::chrono::duration_cast<Milliseconds>(at_ - SteadyClock::now());
    return left.count() > 0 ? left : Milliseconds(0);
  }

 private:
  explicit Deadline(SteadyClock::time_point at) : at_(at) {}
  SteadyClock::time_point at_ = SteadyClock::time_point::max();
  std::stop_token stop_;
};

// "250ms", "5s", "1.5s", "2m", "1h": the form reports use for durations.
std::string FormatDuration(Milliseconds duration);

}  // namespace flightcheck
