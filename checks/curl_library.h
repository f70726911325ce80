// libcurl, loaded with dlopen when the first HTTP request is made (see checks/shared_library.h for
// why it is not linked). The functions flightcheck calls are one table, FLIGHTCHECK_CURL_FUNCTIONS;
// each is a pointer of the type curl.h declares.
//
// Failure: Curl() returns Unavailable when libcurl.so.4 is missing or lacks a function, and
// Internal when curl_global_init fails; the same result on every later call.
// Thread-safety: Curl() may be called from any thread; the first call loads the library and runs
// curl_global_init exactly once (which makes curl_easy handles usable from any thread).
#pragma once

#include <curl/curl.h>

#include "checks/status.h"

namespace flightcheck {

//        field          symbol
#define FLIGHTCHECK_CURL_FUNCTIONS(X)  \
  X(global_init, curl_global_init)     \
  X(easy_init, curl_easy_init)         \
  X(easy_setopt, curl_easy_setopt)     \
  X(easy_getinfo, curl_easy_getinfo)   \
  X(easy_perform, curl_easy_perform)   \
  X(easy_cleanup, curl_easy_cleanup)   \
  X(easy_strerror, curl_easy_strerror) \
  X(slist_append, curl_slist_append)   \
  X(slist_free_all, curl_slist_free_all)

struct CurlLibrary {
#define FLIGHTCHECK_CURL_FIELD(field, symbol) decltype(&::symbol) field = nullptr;
  FLIGHTCHECK_CURL_FUNCTIONS(FLIGHTCHECK_CURL_FIELD)
#undef FLIGHTCHECK_CURL_FIELD
};

// The loaded, initialised libcurl; the pointer is valid for the life of the process.
Result<const CurlLibrary*> Curl();

}  // namespace flightcheck
