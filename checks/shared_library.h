// A shared library opened with dlopen at first use instead of being linked: the health daemon and
// most rule sets never fetch a URL or write an archive, and libcurl and libarchive bring a closure
// of some thirty libraries (GnuTLS, Kerberos, LDAP, ICU...) that costs every process about 5 MB of
// resident memory just by being mapped and relocated. Loading them when a probe or a stage first
// needs them keeps that cost where it is used.
//
// Open returns Unavailable naming the library and dlerror()'s reason when it is not installed, so
// a probe that needs it reports an error (never a pass) and everything else keeps working.
//
// Ownership: a SharedLibrary is never closed (the handle lives for the process): function pointers
// taken from it stay valid, and libraries such as libcurl keep global state that must not go away.
// Thread-safety: Open and Symbol may be called from any thread (dlopen and dlsym are thread-safe).
#pragma once

#include <string>

#include "checks/status.h"

namespace flightcheck {

class SharedLibrary {
 public:
  // dlopen(soname, RTLD_NOW | RTLD_LOCAL): every symbol is resolved now, so a library too old for
  // a symbol fails here and not at a call.
  static Result<SharedLibrary> Open(const std::string& soname);

  // The address of symbol, or NotFound naming the symbol and the library.
  Result<void*> Symbol(const char* name) const;

  // Fills *function with symbol's address converted to its type; the caller names the type by
  // declaring the pointer (decltype(&::curl_easy_init) etc.), so it cannot drift from the header.
  template <typename Function>
  Status Bind(const char* name, Function** function) const {
    Result<void*> address = Symbol(name);
    if (!address) return address.error();
    *function = reinterpret_cast<Function*>(*address);
    return Status::Ok();
  }

  const std::string& soname() const { return soname_; }

 private:
  SharedLibrary(std::string soname, void* handle) : soname_(std::move(soname)), handle_(handle) {}

  std::string soname_;
  void* handle_;
};

}  // namespace flightcheck
