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
#include "checks/scoped_fd.h"

namespace flightcheck {

namespace asio = boost::asio;

struct AsyncProcess::Pipes {
  Pipes(asio::io_context& io, int out_fd, int err_fd, AsyncProcess* process)
      : out(io, out_fd), err(io, err_fd), owner(process) {}
  asio::posix::stream_descriptor out, err;
  std::array<char, 16384> out_buffer, err_buffer;
  AsyncProcess* owner;  // null once the AsyncProcess is destroyed
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
                                                          size_t output_cap, int stdout_fd) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  ScopedFd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return Status::FromErrno("pipe2", errno);
  ScopedFd err_read(err_pipe[0]), err_write(err_pipe[1]);
  Result<pid_t> pid = SpawnInOwnGroup(
      argv, stdin_path, stdout_fd >= 0 ? stdout_fd : out_write.get(), err_write.get());
  if (!pid) return pid.error();
  // Only the child may hold the write ends, or the reads would never see end of file.
  out_write.reset();
  err_write.reset();
  std::unique_ptr<AsyncProcess> process(
      new AsyncProcess(reaper, *pid, out_read.release(), err_read.release(), output_cap));
  process->ReadStream(true);
  process->ReadStream(false);
  reaper.Watch(*pid, process.get());
  return process;
}

AsyncProcess::AsyncProcess(ProcessReaper& reaper, pid_t pid, int out_fd, int err_fd,
                           size_t output_cap)
    : reaper_(reaper),
      pid_(pid),
      pipes_(std::make_shared<Pipes>(reaper.io(), out_fd, err_fd, this)),
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
  pipes_->owner = nullptr;
  boost::system::error_code ignored;
  pipes_->out.close(ignored);
  pipes_->err.close(ignored);
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
  std::shared_ptr<Pipes> pipes = pipes_;
  asio::posix::stream_descriptor& pipe = is_stdout ? pipes->out : pipes->err;
  std::array<char, 16384>& buffer = is_stdout ? pipes->out_buffer : pipes->err_buffer;
  pipe.async_read_some(asio::buffer(buffer),
                       [pipes, is_stdout](const boost::system::error_code& error, size_t bytes) {
                         if (pipes->owner != nullptr) pipes->owner->OnRead(is_stdout, error, bytes);
                       });
}

void AsyncProcess::OnRead(bool is_stdout, const boost::system::error_code& error, size_t bytes) {
  std::string& text = is_stdout ? outcome_.stdout_text : outcome_.stderr_text;
  const std::array<char, 16384>& buffer = is_stdout ? pipes_->out_buffer : pipes_->err_buffer;
  const size_t room = text.size() < output_cap_ ? output_cap_ - text.size() : 0;
  text.append(buffer.data(), std::min(room, bytes));
  if (bytes > room) (is_stdout ? outcome_.stdout_truncated : outcome_.stderr_truncated) = true;
  Wake();
  if (error) {
    --open_streams_;
    return;
  }
  ReadStream(is_stdout);
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
                                                   std::string stdin_path, int stdout_fd) {
  Result<std::unique_ptr<AsyncProcess>> process =
      AsyncProcess::Start(reaper, argv, stdin_path, size_t{16} << 20, stdout_fd);
  if (!process) co_return process.error();
  co_return co_await (*process)->Wait(timeout);
}

}  // namespace flightcheck
