#include "tests/testbed/temp_dir.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace flightcheck::testing {

ScopedTempDir::ScopedTempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/flightcheck-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  path_ = pattern;
}

ScopedTempDir::~ScopedTempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path ScopedTempDir::WriteFile(std::string_view relative,
                                               std::string_view contents) const {
  const std::filesystem::path full = path_ / relative;
  std::filesystem::create_directories(full.parent_path());
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out << contents;
  return full;
}

std::filesystem::path FixturePath(std::string_view relative) {
  return std::filesystem::path(FLIGHTCHECK_SOURCE_DIR) / "tests" / "fixtures" / relative;
}

std::string ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace flightcheck::testing
