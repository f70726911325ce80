// What an SSH private key file says about its passphrase, read from the text alone: the install
// driver's SSH fan-out cannot answer a passphrase prompt, so validate-config refuses such a key
// before any host is contacted.
//
// Knows the three formats OpenSSH writes (ssh-keygen's default and its -m PEM and -m PKCS8):
//   -----BEGIN OPENSSH PRIVATE KEY-----     openssh-key-v1; encrypted when its ciphername is not
//                                           "none" (the binary header is parsed, bounded)
//   -----BEGIN RSA|DSA|EC PRIVATE KEY-----  PEM; encrypted with a "Proc-Type: 4,ENCRYPTED" header
//   -----BEGIN [ENCRYPTED ]PRIVATE KEY----- PKCS#8; encrypted when the label says so
//
// Pure function of its input; safe on any bytes (fuzzed input included) and from any thread.
#pragma once

#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

enum class SshKeyFormat { kOpenSsh, kPem, kPkcs8 };

struct SshPrivateKeyInfo {
  SshKeyFormat format = SshKeyFormat::kOpenSsh;
  bool encrypted = false;
  // openssh-key-v1's ciphername ("aes256-ctr", "none") or PEM's DEK-Info algorithm
  // ("AES-128-CBC"); "" when the format does not name one in clear (PKCS#8).
  std::string cipher;
};

// Reads the first private-key block of text (text before it, such as a comment, is skipped).
// ParseError naming what is wrong when there is no such block, the label is not one of the above,
// or an openssh-key-v1 header is not base64, lacks the "openssh-key-v1\0" magic or is cut short.
Result<SshPrivateKeyInfo> InspectSshPrivateKey(std::string_view text);

}  // namespace flightcheck
