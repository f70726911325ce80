#include "runner/async_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include <fmt/format.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "checks/command_runner.h"

namespace flightcheck {

namespace asio = boost::asio;

struct AsyncProcess::Stream {
  Stream(asio::io_context& io, int fd) : descriptor(io, fd) {}
  asio::posix::stream_descriptor descriptor;
  std::array<char, 16384> buffer;
};

ProcessReaper::ProcessReaper(asio::io_context& io) : io_(io), sigchld_(io, SIGCHLD) {}

ProcessReaper::~ProcessReaper() {
  boost::system::error_code ignored;
  sigchld_.cancel(ignored);
}

// A pending wait is outstanding work that keeps io_context::run() from returning, so the reaper
// waits only while it has children; signals that arrive in between are queued by the signal_set.
void ProcessReaper::Arm() {
  if (armed_ || children_.empty()) return;
  armed_ = true;
  sigchld_.async_wait([this](const boost::system::error_code& ec, int) {
    armed_ = false;
    if (ec) return;
    Sweep();
    Arm();
  });
}

void ProcessReaper::Watch(pid_t pid, AsyncProcess* process) {
  children_[pid] = process;
  // The child may have exited before the signal handler was in place for it.
  Sweep();
  Arm();
}

void ProcessReaper::Forget(pid_t pid) {
  children_.erase(pid);
  if (children_.empty() && armed_) {
    boost::system::error_code ignored;
    sigchld_.cancel(ignored);
  }
}

// SIGCHLD coalesces, so every signal means "some of ours may have exited": ask each by pid, never
// waitpid(-1), which would steal the children of other code in this process.
void ProcessReaper::Sweep() {
  for (auto it = children_.begin(); it != children_.end();) {
    int wait_status = 0;
    const pid_t r = ::waitpid(it->first, &wait_status, WNOHANG);
    if (r == it->first) {
      AsyncProcess* process = it->second;
      it = children_.erase(it);
      process->OnExit(wait_status);
    } else {
      ++it;
    }
  }
}

Result<std::unique_ptr<AsyncProcess>> AsyncProcess::Start(ProcessReaper& reaper,
                                                          const std::vector<std::string>& argv,
                                                          const std::string& stdin_path,
                                                          size_t output_cap) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    const int saved = errno;
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return Status::FromErrno("pipe2", saved);
  }
  Result<pid_t> pid = SpawnInOwnGroup(argv, stdin_path, out_pipe[1], err_pipe[1]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (!pid) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return pid.error();
  }
  std::unique_ptr<AsyncProcess> process(
      new AsyncProcess(reaper, *pid, out_pipe[0], err_pipe[0], output_cap));
  process->ReadStream(true);
  process->ReadStream(false);
  reaper.Watch(*pid, process.get());
  return process;
}

AsyncProcess::AsyncProcess(ProcessReaper& reaper, pid_t pid, int out_fd, int err_fd,
                           size_t output_cap)
    : reaper_(reaper),
      pid_(pid),
      out_(std::make_unique<Stream>(reaper.io(), out_fd)),
      err_(std::make_unique<Stream>(reaper.io(), err_fd)),
      output_cap_(output_cap),
      started_(std::chrono::steady_clock::now()),
      wake_(reaper.io(), std::chrono::steady_clock::time_point::max()) {}

AsyncProcess::~AsyncProcess() {
  if (!exited_) {
    ::kill(-pid_, SIGKILL);
    reaper_.Forget(pid_);
    int wait_status = 0;
    ::waitpid(pid_, &wait_status, 0);
    ForgetCommandGroup(pid_);
  }
  boost::system::error_code ignored;
  out_->descriptor.close(ignored);
  err_->descriptor.close(ignored);
}

void AsyncProcess::KillGroup() { ::kill(-pid_, SIGKILL); }

void AsyncProcess::Wake() { wake_.cancel(); }

void AsyncProcess::OnExit(int wait_status) {
  exited_ = true;
  ForgetCommandGroup(pid_);
  if (WIFEXITED(wait_status)) {
    outcome_.exit_code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    outcome_.term_signal = WTERMSIG(wait_status);
  }
  outcome_.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  Wake();
}

void AsyncProcess::ReadStream(bool is_stdout) {
  Stream& stream = is_stdout ? *out_ : *err_;
  stream.descriptor.async_read_some(
      asio::buffer(stream.buffer),
      [this, is_stdout, &stream](const boost::system::error_code& ec, size_t n) {
        if (ec == asio::error::operation_aborted) return;  // closed by the destructor
        std::string& text = is_stdout ? outcome_.stdout_text : outcome_.stderr_text;
        const size_t room = text.size() < output_cap_ ? output_cap_ - text.size() : 0;
        text.append(stream.buffer.data(), std::min(room, n));
        if (ec) {
          --open_streams_;
          Wake();
          return;
        }
        Wake();
        ReadStream(is_stdout);
      });
}

asio::awaitable<ProcessOutcome> AsyncProcess::Wait(std::chrono::milliseconds timeout) {
  const auto give_up = std::chrono::steady_clock::now() + timeout;
  // After the main process exited, a background child it left may hold the pipes open forever;
  // the output that matters is written by then, so wait only a little for the rest.
  std::chrono::steady_clock::time_point drain_until = std::chrono::steady_clock::time_point::max();
  while (!exited_ || open_streams_ > 0) {
    const auto now = std::chrono::steady_clock::now();
    if (!exited_ && now >= give_up) {
      outcome_.timed_out = true;
      KillGroup();
    }
    if (exited_) {
      if (drain_until == std::chrono::steady_clock::time_point::max()) {
        drain_until = now + std::chrono::milliseconds(200);
      }
      if (now >= drain_until) break;
    }
    wake_.expires_at(exited_ ? drain_until
                             : (outcome_.timed_out ? now + std::chrono::seconds(5) : give_up));
    boost::system::error_code ec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  co_return outcome_;
}

asio::awaitable<Result<ProcessOutcome>> RunProcess(ProcessReaper& reaper,
                                                   std::vector<std::string> argv,
                                                   std::chrono::milliseconds timeout,
                                                   std::string stdin_path) {
  Result<std::unique_ptr<AsyncProcess>> process = AsyncProcess::Start(reaper, argv, stdin_path);
  if (!process) co_return process.error();
  co_return co_await (*process)->Wait(timeout);
}

}  // namespace flightcheck
