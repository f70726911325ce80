// Parsers of the clock probe (no I/O).
#pragma once

#include <sys/timex.h>

#include <string>
#include <vector>

#include "checks/status.h"

namespace flightcheck {

struct ClockState {
  bool synchronized = false;
  double max_error = 0;  // seconds
  double est_error = 0;  // seconds
};

// Interprets what adjtimex(2) returned for a read-only call (modes = 0): synchronized unless the
// clock state is TIME_ERROR or STA_UNSYNC is set. maxerror and esterror are microseconds in every
// mode (STA_NANO changes only the offset's unit). Internal error for a negative return.
Result<ClockState> InterpretAdjtimex(int adjtimex_return, const struct timex& tx);

// The NTP daemon to report from the command names (/proc/<pid>/comm) of running processes: the
// first of chronyd, ntpd, systemd-timesyncd, openntpd that is running, "" when none is. comm is
// cut at 15 characters, so "systemd-timesyn" stands for systemd-timesyncd.
std::string PickNtpService(const std::vector<std::string>& comms);

}  // namespace flightcheck
