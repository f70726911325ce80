#include "checks/status.h"

#include <cerrno>
#include <cstring>

namespace flightcheck {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kPermissionDenied:
      return "permission denied";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kParseError:
      return "parse error";
    case ErrorCode::kInvalidArgument:
      return "invalid argument";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kInternal:
      return "internal error";
  }
  return "unknown error";
}

Status Status::FromErrno(std::string_view what, int errnum) {
  std::string message(what);
  message += ": ";
  message += std::strerror(errnum);
  switch (errnum) {
    case ENOENT:
    case ENOTDIR:
      return NotFound(message);
    case EACCES:
    case EPERM:
      return PermissionDenied(message);
    case ETIMEDOUT:
      return Timeout(message);
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EPIPE:
      return Unavailable(message);
    // A path that cannot name a file (a symlink loop, a name too long, a directory where a file
    // must be) is a problem of the path, which the caller or the host can fix, not of flightcheck.
    case ELOOP:
    case ENAMETOOLONG:
    case EISDIR:
      return InvalidArgument(message);
    default:
      return Internal(message);
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return ok() ? kEmpty : state_->message;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string message(context);
  message += ": ";
  message += state_->message;
  return Status(state_->code, message);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string text(ErrorCodeName(state_->code));
  text += ": ";
  text += state_->message;
  return text;
}

}  // namespace flightcheck
