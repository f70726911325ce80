#include "checks/shared_library.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "checks/archive_library.h"
#include "checks/curl_library.h"

namespace flightcheck {
namespace {

TEST(SharedLibraryTest, AMissingLibraryIsUnavailableAndNamesIt) {
  Result<SharedLibrary> library = SharedLibrary::Open("libflightcheck-not-installed.so.7");
  ASSERT_FALSE(library);
  EXPECT_EQ(library.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(library.error().message().find(
                "cannot load libflightcheck-not-installed.so.7 (libflightcheck-not-installed.so.7: "
                "cannot open shared object file: No such file or directory); install the package "
                "that ships it"),
            std::string::npos)
      << library.error().message();
}

TEST(SharedLibraryTest, BindsTypedFunctionsAndNamesAMissingSymbol) {
  Result<SharedLibrary> libc = SharedLibrary::Open("libc.so.6");
  ASSERT_TRUE(libc) << libc.error().ToString();
  decltype(&::getpid) get_pid = nullptr;
  ASSERT_TRUE(libc->Bind("getpid", &get_pid).ok());
  EXPECT_EQ(get_pid(), ::getpid());

  decltype(&::getpid) missing = nullptr;
  const Status status = libc->Bind("flightcheck_no_such_function", &missing);
  EXPECT_EQ(status.code(), ErrorCode::kNotFound);
  EXPECT_NE(status.message().find("libc.so.6 has no symbol flightcheck_no_such_function"),
            std::string::npos)
      << status.message();
  EXPECT_EQ(missing, nullptr);
}

std::string OwnMaps() {
  std::ifstream in("/proc/self/maps");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// This binary does not link libcurl or libarchive: loading them is what maps them, and every
// function of their tables is bound.
TEST(SharedLibraryTest, CurlAndArchiveAreLoadedWithEveryFunction) {
  Result<const CurlLibrary*> curl = Curl();
  ASSERT_TRUE(curl) << curl.error().ToString();
#define FLIGHTCHECK_EXPECT_BOUND(field, symbol) EXPECT_NE((*curl)->field, nullptr) << #symbol;
  FLIGHTCHECK_CURL_FUNCTIONS(FLIGHTCHECK_EXPECT_BOUND)
#undef FLIGHTCHECK_EXPECT_BOUND
  Result<const ArchiveLibrary*> archive = Archive();
  ASSERT_TRUE(archive) << archive.error().ToString();
#define FLIGHTCHECK_EXPECT_BOUND(field, symbol) EXPECT_NE((*archive)->field, nullptr) << #symbol;
  FLIGHTCHECK_ARCHIVE_FUNCTIONS(FLIGHTCHECK_EXPECT_BOUND)
#undef FLIGHTCHECK_EXPECT_BOUND
  const std::string maps = OwnMaps();
  EXPECT_NE(maps.find("libcurl.so.4"), std::string::npos);
  EXPECT_NE(maps.find("libarchive.so.13"), std::string::npos);
  EXPECT_EQ(*Curl(), *curl);  // loaded once
}

}  // namespace
}  // namespace flightcheck
