#include "installer/password_hash.h"

#include <crypt.h>
#include <sys/random.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

namespace flightcheck {
namespace {

// passlib's sha512_crypt default, which DC/OS's --hash-password used; keeps our hashes as costly.
constexpr unsigned long kRounds = 656000;
// 16 random bytes become the 16-character salt, the longest SHA-512 crypt accepts.
constexpr size_t kSaltBytes = 16;

Status WriteAll(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("cannot write the password prompt", errno);
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// One byte per read(2): a buffered read could swallow input meant for whoever reads fd next.
Result<std::string> ReadLine(int fd) {
  std::string line;
  bool any = false;
  char c;
  while (true) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno("cannot read the password", errno);
    }
    if (n == 0) break;
    any = true;
    if (c == '\n') break;
    line += c;
  }
  if (!any) return Status::InvalidArgument("no password given (end of input)");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Turns echo off for its lifetime; the destructor restores the saved mode on every return path.
class EchoOff {
 public:
  explicit EchoOff(int fd) : fd_(fd) {}
  ~EchoOff() {
    if (saved_) ::tcsetattr(fd_, TCSANOW, &*saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

  Status Enable() {
    termios mode;
    if (::tcgetattr(fd_, &mode) != 0) return Status::FromErrno("cannot read terminal mode", errno);
    saved_ = mode;
    mode.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // TCSAFLUSH drops anything typed before the prompt, which the terminal has already echoed.
    if (::tcsetattr(fd_, TCSAFLUSH, &mode) != 0) {
      saved_.reset();
      return Status::FromErrno("cannot turn terminal echo off", errno);
    }
    return Status::Ok();
  }

 private:
  int fd_;
  std::optional<termios> saved_;
};

// Prompts, reads one line with echo off, then ends the line the user could not see being typed.
Result<std::string> Prompt(int in_fd, int out_fd, std::string_view prompt) {
  if (Status status = WriteAll(out_fd, prompt); !status.ok()) return status;
  Result<std::string> line = ReadLine(in_fd);
  if (Status status = WriteAll(out_fd, "\n"); !status.ok()) return status;
  return line;
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (password.empty()) {
    return Status::InvalidArgument("empty password: a superuser password must not be empty");
  }
  char random[kSaltBytes];
  if (::getrandom(random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) {
    return Status::FromErrno("cannot read random bytes for the salt", errno);
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (::crypt_gensalt_rn("$6$", kRounds, random, sizeof random, setting, sizeof setting) ==
      nullptr) {
    return Status::FromErrno("cannot generate a SHA-512 crypt salt", errno);
  }
  // crypt_data is 32 KiB: too large for a thread's stack to carry comfortably.
  auto data = std::make_unique<crypt_data>();
  const std::string key(password);
  const char* hash = ::crypt_r(key.c_str(), setting, data.get());
  // libxcrypt reports failure with a string starting with '*' rather than only with nullptr.
  if (hash == nullptr || hash[0] == '*') {
    return Status::Internal("SHA-512 crypt failed");
  }
  return std::string(hash);
}

bool VerifyPassword(std::string_view password, std::string_view hash) {
  auto data = std::make_unique<crypt_data>();
  const std::string key(password);
  const std::string setting(hash);
  const char* computed = ::crypt_r(key.c_str(), setting.c_str(), data.get());
  return computed != nullptr && computed[0] != '*' && setting == computed;
}

Result<std::string> ReadPasswordInteractively(int in_fd, int out_fd) {
  if (!::isatty(in_fd)) return ReadLine(in_fd);
  EchoOff echo_off(in_fd);
  if (Status status = echo_off.Enable(); !status.ok()) return status;
  Result<std::string> first = Prompt(in_fd, out_fd, "Password: ");
  if (!first) return first;
  Result<std::string> second = Prompt(in_fd, out_fd, "Confirm password: ");
  if (!second) return second;
  if (*first != *second) return Status::InvalidArgument("passwords do not match");
  return first;
}

}  // namespace flightcheck
