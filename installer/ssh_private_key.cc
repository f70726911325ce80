#include "installer/ssh_private_key.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {
namespace {

// The labels of "-----BEGIN <label>-----" OpenSSH writes for private keys.
struct Armour {
  std::string_view label;
  SshKeyFormat format;
  bool encrypted;  // known from the label alone; the others look inside
};
constexpr Armour kArmours[] = {
    {"OPENSSH PRIVATE KEY", SshKeyFormat::kOpenSsh, false},
    {"RSA PRIVATE KEY", SshKeyFormat::kPem, false},
    {"DSA PRIVATE KEY", SshKeyFormat::kPem, false},
    {"EC PRIVATE KEY", SshKeyFormat::kPem, false},
    {"PRIVATE KEY", SshKeyFormat::kPkcs8, false},
    {"ENCRYPTED PRIVATE KEY", SshKeyFormat::kPkcs8, true},
};

constexpr std::string_view kBegin = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";
// openssh-key-v1 starts with this magic (its NUL included), then string ciphername.
constexpr std::string_view kOpenSshMagic{"openssh-key-v1\0", 15};
// OpenSSH's cipher names are short ("chacha20-poly1305@openssh.com" is the longest); a longer
// length field is a corrupt header, not a name to read.
constexpr uint32_t kMaxCipherName = 64;

std::string_view WithoutCr(std::string_view line) {
  return line.ends_with('\r') ? line.substr(0, line.size() - 1) : line;
}

// The first bytes of a base64 body: enough characters for the magic and a ciphername, never the
// whole key. nullopt when they are not base64.
std::optional<std::string> DecodeHead(const std::vector<std::string_view>& body) {
  constexpr size_t kChars = 4 * ((kOpenSshMagic.size() + 4 + kMaxCipherName + 2) / 3);
  std::string chars;
  for (std::string_view line : body) {
    for (char c : line) {
      if (c == ' ' || c == '\t' || c == '\r') continue;
      if (chars.size() == kChars) break;
      chars.push_back(c);
    }
  }
  chars.resize(chars.size() - chars.size() % 4);
  if (chars.empty()) return std::string();
  std::string bytes(chars.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(bytes.data()),
                                reinterpret_cast<const unsigned char*>(chars.data()),
                                static_cast<int>(chars.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts '=' padding as zero bytes; they are not data.
  const size_t padding = static_cast<size_t>(
      std::find_if(chars.rbegin(), chars.rend(), [](char c) { return c != '='; }) - chars.rbegin());
  bytes.resize(static_cast<size_t>(n) - std::min(padding, static_cast<size_t>(n)));
  return bytes;
}

Result<std::string> OpenSshCipher(const std::vector<std::string_view>& body) {
  const std::optional<std::string> head = DecodeHead(body);
  if (!head) return Status::ParseError("the OPENSSH PRIVATE KEY block is not base64");
  if (!std::string_view(*head).starts_with(kOpenSshMagic)) {
    return Status::ParseError("the OPENSSH PRIVATE KEY block does not start with openssh-key-v1");
  }
  const std::string_view rest = std::string_view(*head).substr(kOpenSshMagic.size());
  if (rest.size() < 4) return Status::ParseError("the openssh-key-v1 header is cut short");
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(rest[i])); };
  const uint32_t length = byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
  if (length == 0 || length > kMaxCipherName) {
    return Status::ParseError(
        fmt::format("the openssh-key-v1 header names a cipher of {} bytes", length));
  }
  if (rest.size() - 4 < length) return Status::ParseError("the openssh-key-v1 header is cut short");
  return std::string(rest.substr(4, length));
}

// PEM's RFC 1421 headers: "Proc-Type: 4,ENCRYPTED" and "DEK-Info: <cipher>,<iv>" before the body.
void ReadPemHeaders(const std::vector<std::string_view>& body, SshPrivateKeyInfo* info) {
  for (std::string_view line : body) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;  // the base64 body has begun
    const std::string name = ToLower(Trim(line.substr(0, colon)));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (name == "proc-type" && value.ends_with(",ENCRYPTED")) info->encrypted = true;
    if (name == "dek-info") info->cipher = std::string(value.substr(0, value.find(',')));
  }
}

}  // namespace

Result<SshPrivateKeyInfo> InspectSshPrivateKey(std::string_view text) {
  const std::vector<std::string_view> lines = SplitLines(text);
  const auto begin = std::find_if(lines.begin(), lines.end(), [](std::string_view line) {
    return WithoutCr(line).starts_with(kBegin);
  });
  if (begin == lines.end()) {
    return Status::ParseError("no -----BEGIN ... PRIVATE KEY----- line: not a private key file");
  }
  std::string_view label = WithoutCr(*begin).substr(kBegin.size());
  if (!label.ends_with(kDashes)) {
    return Status::ParseError("the -----BEGIN line does not end in -----");
  }
  label.remove_suffix(kDashes.size());
  const Armour* armour = std::find_if(std::begin(kArmours), std::end(kArmours),
                                      [label](const Armour& a) { return a.label == label; });
  if (armour == std::end(kArmours)) {
    return Status::ParseError(
        fmt::format("{} is not a private key format OpenSSH writes", QuoteForMessage(label)));
  }
  std::vector<std::string_view> body;
  for (auto it = begin + 1; it != lines.end() && !WithoutCr(*it).starts_with("-----END "); ++it) {
    body.push_back(WithoutCr(*it));
  }
  SshPrivateKeyInfo info;
  info.format = armour->format;
  info.encrypted = armour->encrypted;
  switch (armour->format) {
    case SshKeyFormat::kOpenSsh: {
      Result<std::string> cipher = OpenSshCipher(body);
      if (!cipher) return cipher.error();
      info.encrypted = *cipher != "none";
      info.cipher = std::move(*cipher);
      break;
    }
    case SshKeyFormat::kPem:
      ReadPemHeaders(body, &info);
      break;
    case SshKeyFormat::kPkcs8:
      break;
  }
  return info;
}

}  // namespace flightcheck
