#include "checks/sha256.h"

#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <utility>

#include <fmt/format.h>

#include "checks/file_io.h"

namespace flightcheck {
namespace {

// Fetched once and never freed: EVP_sha256() would make OpenSSL 3 fetch it again on every
// EVP_DigestInit_ex, a method-store lookup under a lock that was a fifth of the file probe's time.
// A function-local static is initialised exactly once even when the first callers race. OpenSSL
// frees its own method store at exit; the one reference held here is the exit-time leak that
// scripts/lsan.supp names.
const EVP_MD* Sha256() {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kSha256;
}

std::string Hex(const unsigned char* bytes, size_t length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (size_t i = 0; i < length; ++i) {
    hex += kHex[bytes[i] >> 4];
    hex += kHex[bytes[i] & 0xf];
  }
  return hex;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  const EVP_MD* sha256 = Sha256();
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (sha256 == nullptr ||
      EVP_Digest(data.data(), data.size(), digest, &length, sha256, nullptr) != 1) {
    return "";
  }
  return Hex(digest, length);
}

void Sha256Hasher::ContextFree::operator()(evp_md_ctx_st* context) const {
  EVP_MD_CTX_free(context);
}

Sha256Hasher::Sha256Hasher() : context_(EVP_MD_CTX_new()) {
  const EVP_MD* sha256 = Sha256();
  if (!context_ || sha256 == nullptr || EVP_DigestInit_ex(context_.get(), sha256, nullptr) != 1) {
    status_ = Status::Internal("cannot initialise SHA-256");
  }
}

Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::Update(std::string_view data) {
  if (!status_.ok() || !context_ || update_failed_) return;
  if (EVP_DigestUpdate(context_.get(), data.data(), data.size()) != 1) update_failed_ = true;
}

Result<std::string> Sha256Hasher::FinishHex() {
  if (!status_.ok()) return status_;
  // Spent from here on, whatever the outcome: a second call fails rather than hashing nothing.
  const std::unique_ptr<evp_md_ctx_st, ContextFree> context = std::move(context_);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!context || update_failed_ || EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    return Status::Internal("cannot finish SHA-256");
  }
  return Hex(digest, length);
}

}  // namespace flightcheck

namespace flightcheck {

Result<std::string> Sha256FileHex(const std::filesystem::path& path) {
  Result<ScopedFd> file = OpenRegularFile(path, fmt::format("'{}'", path.string()));
  if (!file) return file.error();
  Sha256Hasher hasher;
  if (!hasher.status().ok()) return hasher.status();
  char buffer[64 << 10];
  for (;;) {
    const ssize_t n = ::read(file->get(), buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(fmt::format("reading '{}'", path.string()), errno);
    }
    hasher.Update(std::string_view(buffer, static_cast<size_t>(n)));
  }
  return hasher.FinishHex();
}

}  // namespace flightcheck
