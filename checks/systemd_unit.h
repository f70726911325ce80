// Pure parts of the systemd_unit probe: dcos-diagnostics' (3DT) unit health decision table and
// its pretty-name split (reference/dcos-diagnostics.md §2.3). No I/O; thread-compatible values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flightcheck {

// What the manager says about one unit (org.freedesktop.systemd1.Unit and, for services,
// .Service properties).
struct UnitProperties {
  std::string id;  // "dcos-mesos-master.service"
  std::string description;
  std::string load_state;    // "loaded", "not-found", "masked", "error", ...
  std::string active_state;  // "active", "inactive", "failed", "activating", ...
  std::string sub_state;     // "running", "dead", "failed", "auto-restart", "exited", ...
  std::optional<int64_t> exec_main_status;  // services that are loaded; nullopt otherwise
  uint64_t active_enter_timestamp_monotonic = 0;
  uint64_t inactive_enter_timestamp_monotonic = 0;
  // Services only: Type ("simple", "oneshot", ...) and when the main process last exited (0 when
  // it never ran).
  std::string service_type;
  uint64_t exec_main_exit_timestamp_monotonic = 0;
  std::vector<std::string> triggered_by;  // TriggeredBy: "dcos-checks-poststart.timer", ...
};

struct UnitHealthVerdict {
  int health = 0;      // 0 healthy, 1 unhealthy
  std::string output;  // why it is unhealthy ("" when healthy); no journal lines
};

// 3DT's CheckUnitHealth, rows 2-8 in order (row 1, an empty LoadState/ActiveState/SubState, is the
// caller's error: a unit whose state cannot be read is never judged):
//  2 LoadState != loaded                                      → 1 "<id> is not loaded. ..."
//  3 ActiveState not active/inactive/activating               → 1 "<id> state is not one of ..."
//  4 ExecMainStatus != 0                                      → 1 "ExecMainStatus return failed
//  ..." 5 activating/auto-restart, ActiveEnterTimestampMonotonic 0 → 1 "... has never entered
//  `active`" 6 activating/auto-restart, InactiveEnter > ActiveEnter     → 1 "... is flapping ..."
//  7 inactive: healthy when it is a oneshot service whose main process ran and exited 0, or a unit
//    triggered by a timer (its runs come and go); otherwise 1 "Unit <id> is <SubState>". (3DT's
//    shipped build said 0 for every inactive unit, its HEAD 1 for every one; neither is right for
//    both a timer's oneshot between runs and a daemon that is simply stopped.)
//  8 otherwise                                                → 0 ""
UnitHealthVerdict UnitHealth(const UnitProperties& unit);

// 3DT's pretty name: Description split on ": "; exactly two parts → (name, description), otherwise
// (id, the parts joined with single spaces).
std::pair<std::string, std::string> UnitPrettyName(std::string_view id,
                                                   std::string_view description);

// True when name has a glob character (*, ?, [) and so selects units by pattern.
bool IsUnitGlob(std::string_view name);

}  // namespace flightcheck
