#include "checks/curl_library.h"

#include "checks/shared_library.h"

namespace flightcheck {
namespace {

// The soname of libcurl's ABI (unchanged since 2006), whichever TLS flavour the distribution
// ships under it.
constexpr char kCurlSoname[] = "libcurl.so.4";

Result<CurlLibrary> LoadCurl() {
  Result<SharedLibrary> library = SharedLibrary::Open(kCurlSoname);
  if (!library) return library.error();
  CurlLibrary curl;
#define FLIGHTCHECK_CURL_BIND(field, symbol) \
  if (Status status = library->Bind(#symbol, &curl.field); !status.ok()) return status;
  FLIGHTCHECK_CURL_FUNCTIONS(FLIGHTCHECK_CURL_BIND)
#undef FLIGHTCHECK_CURL_BIND
  if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    return Status::Internal("curl_global_init failed");
  }
  return curl;
}

}  // namespace

Result<const CurlLibrary*> Curl() {
  static const Result<CurlLibrary> loaded = LoadCurl();
  if (!loaded) return loaded.error();
  return &*loaded;
}

}  // namespace flightcheck
