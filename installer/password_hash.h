// Superuser password hashing: the SHA-512 crypt(3) strings of `--hash-password` (DC/OS used
// passlib's sha512_crypt with 656000 rounds; the strings are interchangeable), and reading a
// password from a terminal or a pipe.
//
// Thread-safety: every function is safe to call from any thread (crypt_r and per-call state);
// ReadPasswordInteractively changes the terminal mode of in_fd while it runs, so two of them must
// not read the same terminal at once.
#pragma once

#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

// Returns "$6$rounds=656000$<16-character salt>$<hash>", with the salt from the kernel's CSPRNG, so
// two hashes of one password differ. An empty password is InvalidArgument ("empty password: a
// superuser password must not be empty"); a failure of the random source or of libcrypt is
// Internal. Takes about half a second: the round count is the point.
Result<std::string> HashPassword(std::string_view password);

// True when hash is a crypt(3) string (any scheme libcrypt knows) of password. A malformed hash is
// simply false.
bool VerifyPassword(std::string_view password, std::string_view hash);

// Reads a password for --hash-password and similar. When in_fd is a terminal, writes "Password: "
// and then "Confirm password: " to out_fd, reads each line with echo off (the terminal mode is
// restored on every path, errors included) and fails with InvalidArgument "passwords do not match"
// when the two differ. Otherwise (a pipe or file) reads one line without prompting. The line ends
// at "\n" (a trailing "\r" is dropped too) or at end of input; end of input before any character
// is InvalidArgument "no password given (end of input)". An empty line is returned as "": the
// caller decides (HashPassword refuses it). Reads byte by byte, so nothing after the line is
// consumed.
Result<std::string> ReadPasswordInteractively(int in_fd, int out_fd);

}  // namespace flightcheck
