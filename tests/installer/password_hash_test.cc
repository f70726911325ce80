#include "installer/password_hash.h"

#include <crypt.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace flightcheck {
namespace {

// crypt(3) itself, so the test does not trust VerifyPassword to check HashPassword.
std::string Crypt(const std::string& password, const std::string& setting) {
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), setting.c_str(), data.get());
  return out == nullptr ? "" : out;
}

TEST(PasswordHash, IsSha512CryptThatCryptVerifies) {
  Result<std::string> hash = HashPassword("correct horse");
  ASSERT_TRUE(hash) << hash.error().ToString();
  // $6$rounds=656000$<16 salt chars>$<86 hash chars>
  const std::string prefix = "$6$rounds=656000$";
  ASSERT_EQ(hash->substr(0, prefix.size()), prefix);
  const size_t salt_end = hash->find('$', prefix.size());
  ASSERT_NE(salt_end, std::string::npos);
  EXPECT_EQ(salt_end - prefix.size(), 16u);
  EXPECT_EQ(hash->size() - salt_end - 1, 86u);

  EXPECT_EQ(Crypt("correct horse", *hash), *hash);
  EXPECT_NE(Crypt("correct horsf", *hash), *hash);
  EXPECT_TRUE(VerifyPassword("correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("Correct horse", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse", "not a hash"));
}

TEST(PasswordHash, SaltDiffersBetweenHashes) {
  Result<std::string> a = HashPassword("same");
  Result<std::string> b = HashPassword("same");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword("same", *b));
}

TEST(PasswordHash, EmptyPasswordIsRefused) {
  Result<std::string> hash = HashPassword("");
  ASSERT_FALSE(hash);
  EXPECT_EQ(hash.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(hash.error().message(), "empty password: a superuser password must not be empty");
}

class Pipe {
 public:
  Pipe() { EXPECT_EQ(pipe(fds_), 0); }
  ~Pipe() {
    CloseWrite();
    close(fds_[0]);
  }
  int read_fd() const { return fds_[0]; }
  int write_fd() const { return fds_[1]; }
  void Write(const std::string& text) {
    ASSERT_EQ(write(fds_[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  void CloseWrite() {
    if (fds_[1] >= 0) close(fds_[1]);
    fds_[1] = -1;
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(PasswordHash, PipeReadsOneLineWithoutPrompting) {
  Pipe in;
  Pipe out;
  in.Write("s3cret\r\nnext line\n");
  Result<std::string> password = ReadPasswordInteractively(in.read_fd(), out.write_fd());
  ASSERT_TRUE(password) << password.error().ToString();
  EXPECT_EQ(*password, "s3cret");
  // Nothing past the line was consumed, and nothing was prompted.
  Result<std::string> rest = ReadPasswordInteractively(in.read_fd(), out.write_fd());
  ASSERT_TRUE(rest);
  EXPECT_EQ(*rest, "next line");
  out.CloseWrite();
  char c;
  EXPECT_EQ(read(out.read_fd(), &c, 1), 0);
}

TEST(PasswordHash, PipeWithoutNewlineAndAtEof) {
  Pipe in;
  in.Write("last");
  in.CloseWrite();
  Result<std::string> password = ReadPasswordInteractively(in.read_fd(), STDERR_FILENO);
  ASSERT_TRUE(password);
  EXPECT_EQ(*password, "last");
  Result<std::string> eof = ReadPasswordInteractively(in.read_fd(), STDERR_FILENO);
  ASSERT_FALSE(eof);
  EXPECT_EQ(eof.error().message(), "no password given (end of input)");
}

// A real pseudo-terminal: the reader gets the slave side, the test types on the master side.
class PasswordHashTerminal : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(openpty(&master_, &slave_, nullptr, nullptr, nullptr), 0); }
  void TearDown() override {
    close(master_);
    close(slave_);
  }

  // Reads from the master until the output ends with text (the prompt the reader wrote).
  void ExpectOutput(const std::string& text) {
    while (output_.size() < text.size() ||
           output_.compare(output_.size() - text.size(), text.size(), text) != 0) {
      char buffer[256];
      const ssize_t n = read(master_, buffer, sizeof buffer);
      ASSERT_GT(n, 0) << "terminal output so far: " << output_;
      output_.append(buffer, static_cast<size_t>(n));
    }
  }

  bool EchoOn() const {
    termios mode;
    EXPECT_EQ(tcgetattr(slave_, &mode), 0);
    return (mode.c_lflag & ECHO) != 0;
  }

  void Type(const std::string& text) {
    ASSERT_EQ(write(master_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  int master_ = -1;
  int slave_ = -1;
  std::string output_;
};

TEST_F(PasswordHashTerminal, PromptsTwiceWithEchoOff) {
  ASSERT_TRUE(EchoOn());
  auto reader =
      std::async(std::launch::async, [this] { return ReadPasswordInteractively(slave_, slave_); });
  ExpectOutput("Password: ");
  EXPECT_FALSE(EchoOn());
  Type("hunter2\n");
  ExpectOutput("Confirm password: ");
  EXPECT_FALSE(EchoOn());
  Type("hunter2\n");
  Result<std::string> password = reader.get();
  ASSERT_TRUE(password) << password.error().ToString();
  EXPECT_EQ(*password, "hunter2");
  EXPECT_TRUE(EchoOn());
  ExpectOutput("\n");
  EXPECT_EQ(output_.find("hunter2"), std::string::npos) << output_;
}

TEST_F(PasswordHashTerminal, ConfirmMismatchRestoresEcho) {
  auto reader =
      std::async(std::launch::async, [this] { return ReadPasswordInteractively(slave_, slave_); });
  ExpectOutput("Password: ");
  Type("one\n");
  ExpectOutput("Confirm password: ");
  Type("two\n");
  Result<std::string> password = reader.get();
  ASSERT_FALSE(password);
  EXPECT_EQ(password.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(password.error().message(), "passwords do not match");
  EXPECT_TRUE(EchoOn());
}

}  // namespace
}  // namespace flightcheck
