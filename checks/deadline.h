// Deadline: a point in steady time by which an operation must give up.
//
// Probes receive one and must honour it: commands are killed, sockets time out, waits end. A
// default-constructed Deadline never expires. Value type; thread-compatible.
#pragma once

#include <chrono>
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

  bool expired() const { return SteadyClock::now() >= at_; }
  bool infinite() const { return at_ == SteadyClock::time_point::max(); }
  SteadyClock::time_point at() const { return at_; }

  // Time left, never negative; a large value for an infinite deadline.
  Milliseconds remaining() const {
    if (infinite()) return std::chrono::hours(24 * 365);
    auto left = std::chrono::duration_cast<Milliseconds>(at_ - SteadyClock::now());
    return left.count() > 0 ? left : Milliseconds(0);
  }

  // The earlier of the two.
  Deadline Min(Deadline other) const { return other.at_ < at_ ? other : *this; }

 private:
  explicit Deadline(SteadyClock::time_point at) : at_(at) {}
  SteadyClock::time_point at_ = SteadyClock::time_point::max();
};

// "250ms", "5s", "1.5s", "2m", "1h": the form reports use for durations.
std::string FormatDuration(Milliseconds duration);

}  // namespace flightcheck
