#include "checks/http_client.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>

#include <fmt/format.h>

#include "checks/curl_library.h"

namespace flightcheck {
namespace {

// Each deleter holds the library it came from: libcurl is loaded at run time
// (checks/curl_library.h).
struct CurlDeleter {
  const CurlLibrary* curl;
  void operator()(CURL* handle) const { curl->easy_cleanup(handle); }
};
struct SlistDeleter {
  const CurlLibrary* curl;
  void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using CurlList = std::unique_ptr<curl_slist, SlistDeleter>;

struct BodySink {
  std::string* body;
  size_t max_body;
  bool truncated = false;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  const size_t bytes = size * count;
  const size_t room = sink->max_body - sink->body->size();
  if (bytes > room) {
    sink->body->append(data, room);
    sink->truncated = true;
    return 0;  // a short write makes curl stop the transfer: the rest is not wanted
  }
  sink->body->append(data, bytes);
  return bytes;
}

// curl's timeouts bound the transfer by the deadline's time; this callback (curl calls it about
// once a second, and on every chunk) ends it early when the deadline's stop is requested, so a
// daemon being stopped is not held up by a slow endpoint.
int AbortWhenStopped(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return static_cast<const Deadline*>(user)->stop_requested() ? 1 : 0;
}

// curl reports every failed connect() as CURLE_COULDNT_CONNECT with a generic text; the errno
// survives only in CURLINFO_OS_ERRNO, which MapCurlError still reads for races (the socket going
// away between the check and the connect) but which curl does not promise on every path. Looking
// at the socket file first gives the distinctions the probes rely on without depending on it: no
// file (daemon not running, a fact) versus no permission (we cannot look, an error). connect() on
// a unix socket needs write permission on the file, hence W_OK; AT_EACCESS tests the effective
// ids, as connect() does.
Status CheckUnixSocket(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int error = errno;
    if (error == EACCES) {
      return Status::PermissionDenied(
          fmt::format("cannot reach socket {}: permission denied on a parent directory", path));
    }
    if (error == ENOENT || error == ENOTDIR) {
      return Status::Unavailable(fmt::format("no socket at {}", path));
    }
    return Status::FromErrno(fmt::format("stat {}", path), error);
  }
  if (!S_ISSOCK(st.st_mode)) return Status::Unavailable(fmt::format("{} is not a socket", path));
  if (::faccessat(AT_FDCWD, path.c_str(), W_OK, AT_EACCESS) != 0 && errno == EACCES) {
    return Status::PermissionDenied(
        fmt::format("connecting to {}: permission denied (the socket is not writable by uid {})",
                    path, ::geteuid()));
  }
  return Status::Ok();
}

Status MapCurlError(const CurlLibrary& curl, CURLcode code, long os_errno, const char* error_buffer,
                    const std::string& url, const HttpOptions& options, double seconds) {
  const bool unix_socket = !options.unix_socket.empty();
  const std::string what =
      unix_socket ? fmt::format("GET {} on {}", url, options.unix_socket) : "GET " + url;
  const std::string target = unix_socket ? options.unix_socket : url;
  const std::string detail =
      error_buffer[0] != '\0' ? std::string(error_buffer) : curl.easy_strerror(code);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status::Timeout(fmt::format("{}: no complete answer within {}", what,
                                         FormatDuration(std::chrono::duration_cast<Milliseconds>(
                                             std::chrono::duration<double>(seconds)))));
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status::InvalidArgument(fmt::format("{}: {}", what, detail));
    default:
      break;
  }
  switch (os_errno) {
    case EACCES:
    case EPERM:
      return Status::PermissionDenied(fmt::format("connecting to {}: permission denied", target));
    case ECONNREFUSED:
      return Status::Unavailable(fmt::format("connecting to {}: connection refused", target));
    case ENOENT:
      if (unix_socket) return Status::Unavailable(fmt::format("no socket at {}", target));
      break;
    default:
      break;
  }
  return Status::Unavailable(fmt::format("{}: {}", what, detail));
}

}  // namespace

Result<HttpResponse> HttpGet(const std::string& url, Deadline deadline,
                             const HttpOptions& options) {
  const auto started = SteadyClock::now();
  if (!options.unix_socket.empty()) {
    if (Status status = CheckUnixSocket(options.unix_socket); !status.ok()) return status;
  }
  if (deadline.expired()) return Status::Timeout(fmt::format("GET {}: deadline passed", url));
  Result<const CurlLibrary*> loaded = Curl();
  if (!loaded) return loaded.error();
  const CurlLibrary& curl = **loaded;
  CurlHandle easy(curl.easy_init(), CurlDeleter{&curl});
  if (!easy) return Status::Internal("curl_easy_init failed");
  CURL* handle = easy.get();

  HttpResponse response;
  BodySink sink{&response.body, options.max_body};
  char error_buffer[CURL_ERROR_SIZE] = {};
  CurlList headers(nullptr, SlistDeleter{&curl});
  for (const std::string& header : options.headers) {
    // Appending returns the list head (the same one after the first item), or null and leaves
    // the list untouched.
    curl_slist* head = curl.slist_append(headers.get(), header.c_str());
    if (head == nullptr) return Status::Internal("curl_slist_append failed");
    if (head != headers.get()) headers.reset(head);
  }

  curl.easy_setopt(handle, CURLOPT_URL, url.c_str());
  // Probes run on worker threads: no SIGALRM-based DNS timeouts.
  curl.easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl.easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl.easy_setopt(handle, CURLOPT_PROTOCOLS, static_cast<long>(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  if (!deadline.infinite()) {
    const long timeout_ms = std::max<long>(1, static_cast<long>(deadline.remaining().count()));
    curl.easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl.easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  }
  if (!options.unix_socket.empty()) {
    curl.easy_setopt(handle, CURLOPT_UNIX_SOCKET_PATH, options.unix_socket.c_str());
    // A local socket is never reached through a proxy, whatever http_proxy says.
    curl.easy_setopt(handle, CURLOPT_PROXY, "");
  }
  if (!options.verify_tls) {
    curl.easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 0L);
    curl.easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (headers) curl.easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  curl.easy_setopt(handle, CURLOPT_USERAGENT, "flightcheck");
  curl.easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
  curl.easy_setopt(handle, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl.easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  curl.easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &AbortWhenStopped);
  curl.easy_setopt(handle, CURLOPT_XFERINFODATA, &deadline);
  curl.easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);

  const CURLcode code = curl.easy_perform(handle);
  response.seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();
  response.truncated = sink.truncated;
  if (code == CURLE_ABORTED_BY_CALLBACK) {
    return Status::Unavailable(fmt::format("GET {}: stopped", url));
  }
  if (code != CURLE_OK && !(code == CURLE_WRITE_ERROR && sink.truncated)) {
    long os_errno = 0;
    curl.easy_getinfo(handle, CURLINFO_OS_ERRNO, &os_errno);
    return MapCurlError(curl, code, os_errno, error_buffer, url, options, response.seconds);
  }
  curl.easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &response.status);
  const char* content_type = nullptr;
  if (curl.easy_getinfo(handle, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK &&
      content_type != nullptr) {
    response.content_type = content_type;
  }
  return response;
}

}  // namespace flightcheck
