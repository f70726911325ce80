#include "installer/ssh_private_key.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testbed/ssh_hosts.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using ::testing::HasSubstr;

// Every format ssh-keygen writes, with and without a passphrase, made by the real ssh-keygen.
struct GeneratedKey {
  std::string name;
  std::vector<std::string> options;
  SshKeyFormat format;
  bool encrypted;
  std::string cipher;
};

const GeneratedKey kGeneratedKeys[] = {
    {"openssh_plain", {"-t", "ed25519", "-N", ""}, SshKeyFormat::kOpenSsh, false, "none"},
    {"openssh_pass", {"-t", "ed25519", "-N", "pass"}, SshKeyFormat::kOpenSsh, true, "aes256-ctr"},
    {"openssh_rsa_pass",
     {"-t", "rsa", "-b", "1024", "-N", "passphrase"},
     SshKeyFormat::kOpenSsh,
     true,
     "aes256-ctr"},
    {"pem_plain",
     {"-m", "PEM", "-t", "rsa", "-b", "1024", "-N", ""},
     SshKeyFormat::kPem,
     false,
     ""},
    {"pem_pass",
     {"-m", "PEM", "-t", "rsa", "-b", "1024", "-N", "passphrase"},
     SshKeyFormat::kPem,
     true,
     "AES-128-CBC"},
    {"pem_ec_plain", {"-m", "PEM", "-t", "ecdsa", "-N", ""}, SshKeyFormat::kPem, false, ""},
    {"pkcs8_plain",
     {"-m", "PKCS8", "-t", "rsa", "-b", "1024", "-N", ""},
     SshKeyFormat::kPkcs8,
     false,
     ""},
    {"pkcs8_pass",
     {"-m", "PKCS8", "-t", "rsa", "-b", "1024", "-N", "passphrase"},
     SshKeyFormat::kPkcs8,
     true,
     ""},
};

TEST(SshPrivateKeyTest, EveryFormatSshKeygenWrites) {
  testing::ScopedTempDir dir;
  for (const GeneratedKey& key : kGeneratedKeys) {
    SCOPED_TRACE(key.name);
    const std::filesystem::path path = dir.path() / key.name;
    ASSERT_EQ(testing::GenerateSshKey(path, key.options), "");
    const Result<SshPrivateKeyInfo> info = InspectSshPrivateKey(testing::ReadTextFile(path));
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_EQ(info->format, key.format);
    EXPECT_EQ(info->encrypted, key.encrypted);
    EXPECT_EQ(info->cipher, key.cipher);
  }
}

TEST(SshPrivateKeyTest, CrLfLinesAndTextBeforeTheBlock) {
  const Result<SshPrivateKeyInfo> info = InspectSshPrivateKey(
      "a comment\r\n-----BEGIN RSA PRIVATE KEY-----\r\nProc-Type: 4,ENCRYPTED\r\n"
      "DEK-Info: DES-EDE3-CBC,0011\r\n\r\nAAAA\r\n-----END RSA PRIVATE KEY-----\r\n");
  ASSERT_TRUE(info);
  EXPECT_TRUE(info->encrypted);
  EXPECT_EQ(info->cipher, "DES-EDE3-CBC");
}

TEST(SshPrivateKeyTest, NotAPrivateKey) {
  EXPECT_EQ(
      InspectSshPrivateKey("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI user@host\n").error().message(),
      "no -----BEGIN ... PRIVATE KEY----- line: not a private key file");
  EXPECT_EQ(InspectSshPrivateKey("-----BEGIN PUBLIC KEY-----\nAAAA\n").error().message(),
            "'PUBLIC KEY' is not a private key format OpenSSH writes");
  EXPECT_EQ(InspectSshPrivateKey("-----BEGIN RSA PRIVATE KEY\n").error().message(),
            "the -----BEGIN line does not end in -----");
}

TEST(SshPrivateKeyTest, BrokenOpenSshHeaders) {
  const auto error = [](std::string_view body) {
    return InspectSshPrivateKey("-----BEGIN OPENSSH PRIVATE KEY-----\n" + std::string(body) +
                                "\n-----END OPENSSH PRIVATE KEY-----\n")
        .error()
        .message();
  };
  EXPECT_EQ(error("!!!!"), "the OPENSSH PRIVATE KEY block is not base64");
  EXPECT_EQ(error("aGVsbG8gd29ybGQh"),  // "hello world!"
            "the OPENSSH PRIVATE KEY block does not start with openssh-key-v1");
  EXPECT_EQ(error(""), "the OPENSSH PRIVATE KEY block does not start with openssh-key-v1");
  // The magic alone, then the magic and a length with no name behind it.
  EXPECT_EQ(error("b3BlbnNzaC1rZXktdjEA"), "the openssh-key-v1 header is cut short");
  EXPECT_EQ(error("b3BlbnNzaC1rZXktdjEAAAAACmFl"), "the openssh-key-v1 header is cut short");
  // Length 0xffffffff.
  EXPECT_EQ(error("b3BlbnNzaC1rZXktdjEA/////w=="),
            "the openssh-key-v1 header names a cipher of 4294967295 bytes");
}

// Every prefix of a real key and a few byte flips: an answer or an error, never a crash or a read
// past the end (the ASan build runs this too).
TEST(SshPrivateKeyTest, SafeOnEveryPrefixAndOnFlippedBytes) {
  testing::ScopedTempDir dir;
  ASSERT_EQ(testing::GenerateSshKey(dir.path() / "k", {"-t", "ed25519", "-N", "pass"}), "");
  const std::string text = testing::ReadTextFile(dir.path() / "k");
  for (size_t n = 0; n <= text.size(); ++n) (void)InspectSshPrivateKey(text.substr(0, n));
  for (size_t i = 0; i < text.size(); i += 7) {
    std::string flipped = text;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x5a);
    (void)InspectSshPrivateKey(flipped);
  }
  EXPECT_THAT(InspectSshPrivateKey(std::string(1 << 16, '\0')).error().message(),
              HasSubstr("no -----BEGIN"));
}

}  // namespace
}  // namespace flightcheck
