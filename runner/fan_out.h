// FanOut: one piece of work per host over SSH, for everything that works on a whole cluster (the
// install stages, and the cluster support bundle and health aggregation to come).
//
// It owns what every such run needs and nobody should write twice:
//   - the per-host state (runner/stage_state.h), saved atomically after every change, so a reader
//     always sees a complete document, and finished when the run ends however it ends;
//   - one OpenSSH ControlMaster connection per host (runner/ssh_connection.h), at most
//     `parallelism` hosts at once; a host that cannot be reached is `unreachable`, not failed;
//   - the logs: <base_dir>/<log_dir>/<run start>/<address>.log for each run, every run kept, the
//     newest linked as <log_dir>/latest;
//   - the step each host is in (shown when it is terminated) and a progress line;
//   - stopping: when options.stop is requested (StopSignals: Ctrl-C, SIGTERM), the remote command
//     of every running host is interrupted on the host (its process group, not merely the local
//     ssh client), hosts that were running are `terminated` with the step they were in, hosts not
//     yet started are `terminated` as not started, and no new step starts;
//   - copying a file to a host unless it is already there (checked by SHA-256).
// A body that throws, or a host whose output the body cannot use, fails that host with a message;
// the other hosts carry on.
//
// Thread-safety: a FanOut is used from one thread (Run blocks it and runs the io_context there);
// only the stop request may come from another thread.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stop_token>
#include <string>
#include <vector>

#include <utility>  // before Boost 1.74's awaitable.hpp, which uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "runner/async_process.h"
#include "runner/ssh_connection.h"
#include "runner/stage_state.h"

namespace flightcheck {

struct FanOutTarget {
  std::string address;
  std::string role;  // master, agent, public_agent; "" when unknown
};

struct FanOutOptions {
  std::string stage;                 // names the run in the state, the logs and the progress line
  std::filesystem::path base_dir;    // log paths in the state are relative to it
  std::filesystem::path state_path;  // where the state is saved
  std::filesystem::path log_dir;     // relative to base_dir, e.g. genconf/logs/preflight
  SshOptions ssh;                    // control_dir is made (and removed) by FanOut
  int parallelism = 1;
  bool progress = false;  // a live progress line on err (a terminal)
  FILE* err = stderr;
  std::stop_token stop;              // a stop request ends the run as described above
  std::function<int()> stop_signal;  // the signal behind a stop (for messages); may be empty
};

class FanOut {
 public:
  using HostBody = std::function<boost::asio::awaitable<void>(HostState&, SshConnection&)>;

  // Starts the state (stage, config_hash, started_at) and this run's log directory.
  FanOut(FanOutOptions options, std::string config_hash);
  ~FanOut();  // removes the control-socket directory
  FanOut(const FanOut&) = delete;
  FanOut& operator=(const FanOut&) = delete;

  StageState& state() { return state_; }
  const FanOutOptions& options() const { return options_; }

  // Adds a host to work on in this run: unstarted, with an empty log of this run. Returns its
  // index in state().hosts.
  size_t AddHost(const FanOutTarget& target);
  // Adds an earlier record that this run does not work on, kept exactly as it was.
  size_t KeepHost(HostState record);
  // From a body: when it returns, the host's entry becomes record, exactly as it was (a host this
  // run found had nothing to do: its earlier record stands).
  void KeepRecord(const HostState& host, HostState record);

  // Works on the hosts at indexes (into state().hosts), `parallelism` at a time: connects, then
  // runs body, which sets the host's status and message. Returns when all are done or stopped.
  void Run(const std::vector<size_t>& indexes, const HostBody& body);

  // True once a stop was requested: bodies should not start anything new (RunStep refuses to).
  bool stopping() const { return options_.stop.stop_requested(); }
  // "SIGINT", "SIGTERM", or "a stop request".
  std::string StopCause() const;

  // Ends the run: hosts still running (and, after a stop, unstarted) are terminated, finished_at is
  // set, the state is saved, the progress line is cleared.
  void Finish();

  // Runs command on the host as the named step and appends what happened to the host's log
  // (output cut at the cap is marked so; stdout sent to stdout_fd is logged as its size). After
  // a stop it runs nothing and returns exit -1 with
  // stderr "stopped".
  boost::asio::awaitable<RemoteResult> RunStep(HostState& host, SshConnection& connection,
                                               const std::string& step, const std::string& command,
                                               std::chrono::milliseconds timeout,
                                               const std::string& stdin_path = "/dev/null",
                                               int stdout_fd = -1);

  // Makes remote_dir/name on the host a copy of local (whose SHA-256 is sha256) unless it already
  // is one: the copy goes to a temporary name renamed into place, so a cut copy is never taken
  // for a whole one. Exit 0 when the file is there. Logged as a step.
  boost::asio::awaitable<RemoteResult> EnsureRemoteFile(HostState& host, SshConnection& connection,
                                                        const std::filesystem::path& local,
                                                        const std::string& sha256,
                                                        const std::string& remote_dir,
                                                        const std::string& name,
                                                        std::chrono::milliseconds timeout);

  void AppendLog(const HostState& host, const std::string& text);
  void Save();
  void Progress();

 private:
  boost::asio::awaitable<void> RunHost(HostState& host, const HostBody& body);
  void OnStop();
  std::string LogPath(const std::string& address) const;  // relative to base_dir

  FanOutOptions options_;
  StageState state_;
  std::string run_name_;  // this run's log directory: its start time, e.g. 20261201T101500Z
  boost::asio::io_context io_;
  ProcessReaper reaper_;
  std::map<HostState*, SshConnection*> connected_;      // hosts with a live connection
  std::set<HostState*> in_step_;                        // hosts whose remote command is running
  std::set<HostState*> interrupted_;                    // a step of theirs was cut or refused
  std::map<const HostState*, HostState> kept_records_;  // KeepRecord
};

}  // namespace flightcheck
