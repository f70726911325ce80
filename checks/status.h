// Status and Result<T>: how flightcheck code reports failure without exceptions.
//
// A Status is either OK or carries an ErrorCode and a message. Result<T> holds either a value or a
// non-OK Status; its API mirrors std::expected (has_value, value, error, operator bool, *, ->) so a
// move to C++23 is an alias. Both are [[nodiscard]]: an ignored failure is a compiler warning.
//
// Thread-safety: values; distinct objects may be used from different threads freely.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace flightcheck {

// A small closed set. Callers branch on the predicates, never on message text.
enum class ErrorCode {
  kNotFound,
  kPermissionDenied,
  kUnavailable,  // a daemon, bus or peer is not reachable
  kTimeout,
  kParseError,
  kInvalidArgument,
  kUnsupported,
  kInternal,
};

// Lower-case name used in reports: "timeout", "permission denied", ...
std::string_view ErrorCodeName(ErrorCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return Status(); }
  static Status NotFound(std::string_view message) { return {ErrorCode::kNotFound, message}; }
  static Status PermissionDenied(std::string_view message) {
    return {ErrorCode::kPermissionDenied, message};
  }
  static Status Unavailable(std::string_view message) { return {ErrorCode::kUnavailable, message}; }
  static Status Timeout(std::string_view message) { return {ErrorCode::kTimeout, message}; }
  static Status ParseError(std::string_view message) { return {ErrorCode::kParseError, message}; }
  static Status InvalidArgument(std::string_view message) {
    return {ErrorCode::kInvalidArgument, message};
  }
  static Status Unsupported(std::string_view message) { return {ErrorCode::kUnsupported, message}; }
  static Status Internal(std::string_view message) { return {ErrorCode::kInternal, message}; }

  // Maps an errno value to a code (ENOENT → NotFound, EACCES/EPERM → PermissionDenied,
  // ETIMEDOUT → Timeout, ECONNREFUSED... → Unavailable, ELOOP/ENAMETOOLONG/EISDIR →
  // InvalidArgument (the path is wrong, not flightcheck), otherwise Internal); the message is
  // "<what>: <strerror>".
  static Status FromErrno(std::string_view what, int errnum);

  bool ok() const { return state_ == nullptr; }
  ErrorCode code() const {
    assert(!ok());
    return state_->code;
  }
  bool IsNotFound() const { return !ok() && state_->code == ErrorCode::kNotFound; }
  bool IsTimeout() const { return !ok() && state_->code == ErrorCode::kTimeout; }

  // The message without the code; empty for OK.
  const std::string& message() const;

  // Returns a copy whose message is "<context>: <message>". OK stays OK.
  Status WithContext(std::string_view context) const;

  // "ok" or "<code name>: <message>".
  std::string ToString() const;

 private:
  struct State {
    ErrorCode code;
    std::string message;
  };
  Status(ErrorCode code, std::string_view message)
      : state_(std::make_shared<const State>(State{code, std::string(message)})) {}

  std::shared_ptr<const State> state_;  // null means OK; shared so copies are cheap
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit
  Result(Status error) : storage_(std::in_place_index<1>, std::move(error)) {  // NOLINT: implicit
    assert(!std::get<1>(storage_).ok() && "Result constructed from an OK Status");
  }

  bool has_value() const { return storage_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    assert(has_value());
    return std::get<0>(storage_);
  }
  const T& value() const& {
    assert(has_value());
    return std::get<0>(storage_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(storage_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Status& error() const {
    assert(!has_value());
    return std::get<1>(storage_);
  }

 private:
  std::variant<T, Status> storage_;
};

}  // namespace flightcheck
