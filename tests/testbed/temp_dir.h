// ScopedTempDir: a fresh directory under $TMPDIR (or /tmp), removed with its contents on
// destruction, also when a test fails. Fixture paths of the source tree.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace flightcheck::testing {

class ScopedTempDir {
 public:
  ScopedTempDir();  // aborts the test binary if no directory can be created
  ~ScopedTempDir();
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  // Writes contents to path()/relative, creating parent directories; returns the full path.
  std::filesystem::path WriteFile(std::string_view relative, std::string_view contents) const;

 private:
  std::filesystem::path path_;
};

// tests/fixtures/<relative> in the source tree.
std::filesystem::path FixturePath(std::string_view relative);

// Reads a whole file; empty string when it cannot be read.
std::string ReadTextFile(const std::filesystem::path& path);

}  // namespace flightcheck::testing
