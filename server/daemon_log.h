// The daemon's log: spdlog to stderr, in the form journald reads best when running under
// systemd (no timestamps, journald adds them; a "<N>" syslog priority prefix per line, as
// sd-daemon(3) describes), and with an ISO timestamp and level word otherwise.
//
// Secrets never reach it: callers log rule ids, counts, addresses and error messages, never
// tokens, request headers or bodies.
//
// Thread-safety: the returned logger may be used from any thread (spdlog's _mt sink).
#pragma once

#include <memory>

#include <spdlog/logger.h>

namespace flightcheck::server {

// under_systemd: JOURNAL_STREAM or INVOCATION_ID in the environment (set by systemd for a unit's
// stdout/stderr); detected when not given.
std::shared_ptr<spdlog::logger> MakeDaemonLogger(bool under_systemd);
bool RunningUnderSystemd();

}  // namespace flightcheck::server
