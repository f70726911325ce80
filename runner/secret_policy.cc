#include "runner/secret_policy.h"

namespace flightcheck {

namespace {

// The end of the authority after "://" at start: the first '/', '?', '#' or space.
size_t AuthorityEnd(std::string_view text, size_t start) {
  const size_t end = text.find_first_of("/?# \t\n\"'", start);
  return end == std::string_view::npos ? text.size() : end;
}

}  // namespace

bool HasSecretName(std::string_view key) {
  return key.ends_with("_password") || key.ends_with("_secret") || key.ends_with("_key") ||
         key.ends_with("_token") || key.ends_with("_credentials");
}

bool HasUrlCredentials(std::string_view text) { return RemoveUrlCredentials(text) != text; }

std::string RemoveUrlCredentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t copied = 0;
  for (size_t scheme = text.find("://"); scheme != std::string_view::npos;
       scheme = text.find("://", scheme + 3)) {
    const size_t start = scheme + 3;
    const size_t end = AuthorityEnd(text, start);
    const size_t at = text.substr(start, end - start).rfind('@');
    if (at == std::string_view::npos) continue;
    out.append(text.substr(copied, start - copied));
    copied = start + at + 1;  // the host and what follows stay
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace flightcheck
