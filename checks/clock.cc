#include "checks/clock.h"

#include <dirent.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <memory>
#include <string_view>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

Result<ClockState> InterpretAdjtimex(int adjtimex_return, const struct timex& tx) {
  if (adjtimex_return < 0) {
    return Status::Internal(fmt::format("adjtimex returned {}", adjtimex_return));
  }
  ClockState state;
  state.synchronized = adjtimex_return != TIME_ERROR && (tx.status & STA_UNSYNC) == 0;
  state.max_error = static_cast<double>(tx.maxerror) / 1e6;
  state.est_error = static_cast<double>(tx.esterror) / 1e6;
  return state;
}

namespace {

struct NtpDaemon {
  std::string_view name;
  std::string_view comm;  // TASK_COMM_LEN is 16 with the NUL
};
constexpr std::array<NtpDaemon, 4> kNtpDaemons = {{{"chronyd", "chronyd"},
                                                   {"ntpd", "ntpd"},
                                                   {"systemd-timesyncd", "systemd-timesyn"},
                                                   {"openntpd", "openntpd"}}};

}  // namespace

std::string PickNtpService(const std::vector<std::string>& comms) {
  for (const NtpDaemon& daemon : kNtpDaemons) {
    if (std::find(comms.begin(), comms.end(), daemon.comm) != comms.end()) {
      return std::string(daemon.name);
    }
  }
  return "";
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "clock",
      .summary = "Whether the kernel clock is NTP-synchronized, its error bounds, the NTP daemon.",
      .params = {},
      .facts = {{"synchronized", FactType::Bool(),
                 "adjtimex(2) state is not TIME_ERROR and STA_UNSYNC is clear"},
                {"max_error", FactType::Duration(), "maximum error bound (timex.maxerror)"},
                {"est_error", FactType::Duration(), "estimated error (timex.esterror)"},
                {"ntp_service", FactType::String(),
                 "running NTP daemon: chronyd, ntpd, systemd-timesyncd or openntpd; \"\" if none"}},
      .default_timeout = Milliseconds(2000),
  };
}

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};

// The names of running processes that could be an NTP daemon. A process that exits while we read
// is simply skipped.
Result<std::vector<std::string>> RunningNtpComms(const HostContext& host, Deadline deadline) {
  const std::string proc = host.HostPath("/proc").string();
  std::unique_ptr<DIR, DirCloser> dir(::opendir(proc.c_str()));
  if (!dir) return Status::FromErrno("listing /proc", errno);
  std::vector<std::string> comms;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view pid = entry->d_name;
    if (pid.empty() || !std::all_of(pid.begin(), pid.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        })) {
      continue;
    }
    if (deadline.expired()) return Status::Timeout("scanning /proc for an NTP daemon");
    Result<std::string> comm = host.ReadFile(fmt::format("/proc/{}/comm", pid), 64);
    if (!comm) continue;
    const std::string_view name = Trim(*comm);
    for (const NtpDaemon& daemon : kNtpDaemons) {
      if (name == daemon.comm) comms.emplace_back(name);
    }
  }
  return comms;
}

Result<Facts> Probe(const Params&, const HostContext& host, Deadline deadline) {
  // adjtimex describes the kernel this process runs on, which is not the kernel of an image or a
  // fixture root: answering for it would be a wrong fact.
  if (!host.IsLiveRoot()) {
    return Status::Unsupported(fmt::format(
        "clock facts are only available for the live host, not for root {}", host.root.string()));
  }
  struct timex tx {};
  tx.modes = 0;  // read only; needs no privilege
  const int rc = ::adjtimex(&tx);
  if (rc < 0) return Status::FromErrno("adjtimex", errno);
  Result<ClockState> state = InterpretAdjtimex(rc, tx);
  if (!state) return state.error();
  Result<std::vector<std::string>> comms = RunningNtpComms(host, deadline);
  if (!comms) return comms.error();

  Facts facts;
  facts["synchronized"] = state->synchronized;
  facts["max_error"] = state->max_error;
  facts["est_error"] = state->est_error;
  facts["ntp_service"] = PickNtpService(*comms);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
