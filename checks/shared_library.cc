#include "checks/shared_library.h"

#include <dlfcn.h>

#include <fmt/format.h>

namespace flightcheck {

Result<SharedLibrary> SharedLibrary::Open(const std::string& soname) {
  void* handle = ::dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* reason = ::dlerror();
    return Status::Unavailable(fmt::format("cannot load {} ({}); install the package that ships it",
                                           soname, reason ? reason : "dlopen failed"));
  }
  return SharedLibrary(soname, handle);
}

Result<void*> SharedLibrary::Symbol(const char* name) const {
  ::dlerror();  // clears an earlier error: a symbol may legitimately be null
  void* address = ::dlsym(handle_, name);
  if (address == nullptr) {
    const char* reason = ::dlerror();
    return Status::NotFound(fmt::format("{} has no symbol {}{}", soname_, name,
                                        reason ? fmt::format(" ({})", reason) : ""));
  }
  return address;
}

}  // namespace flightcheck
