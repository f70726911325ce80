// SHA-256 as lower-case hex, through OpenSSL's EVP interface: the file probe's digest, the install
// artifact's name and checksum, and the cluster config hash.
//
// The algorithm is fetched from OpenSSL once per process and kept (EVP_sha256() would make
// OpenSSL 3 look it up again on every initialisation, which shows when hashing many small files).
//
// Thread-safety: Sha256Hex may be called from any thread. A Sha256Hasher is used by one thread at
// a time; different hashers are independent.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "checks/status.h"

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX, kept out of this header

namespace flightcheck {

// Lower-case hex SHA-256 of data (64 characters); "" only if OpenSSL cannot compute SHA-256.
std::string Sha256Hex(std::string_view data);

// SHA-256 of data given in pieces, for input that is streamed rather than held in memory.
// Hex SHA-256 of a regular file's bytes, read in pieces (a payload may be large). Refuses what is
// not a regular file (a FIFO would block) with InvalidArgument; read errors name the file.
Result<std::string> Sha256FileHex(const std::filesystem::path& path);

class Sha256Hasher {
 public:
  // Never fails here: a failure to set up OpenSSL is kept, reported by status() and by FinishHex.
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  // Internal("cannot initialise SHA-256") when OpenSSL could not set up the digest, else OK.
  // Lets a caller give up before reading input that could not be hashed.
  const Status& status() const { return status_; }

  // Adds data. Does nothing once the hasher has failed or finished.
  void Update(std::string_view data);

  // The hex digest of everything added. Call once; after it the hasher is spent. Fails with the
  // status() error, or Internal("cannot finish SHA-256") when OpenSSL fails to add or finish.
  Result<std::string> FinishHex();

 private:
  struct ContextFree {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, ContextFree> context_;
  Status status_;
  bool update_failed_ = false;
};

}  // namespace flightcheck
