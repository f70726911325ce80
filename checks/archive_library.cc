#include "checks/archive_library.h"

#include "checks/shared_library.h"

namespace flightcheck {
namespace {

constexpr char kArchiveSoname[] = "libarchive.so.13";

Result<ArchiveLibrary> LoadArchive() {
  Result<SharedLibrary> library = SharedLibrary::Open(kArchiveSoname);
  if (!library) return library.error();
  ArchiveLibrary archive;
#define FLIGHTCHECK_ARCHIVE_BIND(field, symbol) \
  if (Status status = library->Bind(#symbol, &archive.field); !status.ok()) return status;
  FLIGHTCHECK_ARCHIVE_FUNCTIONS(FLIGHTCHECK_ARCHIVE_BIND)
#undef FLIGHTCHECK_ARCHIVE_BIND
  return archive;
}

}  // namespace

Result<const ArchiveLibrary*> Archive() {
  static const Result<ArchiveLibrary> loaded = LoadArchive();
  if (!loaded) return loaded.error();
  return &*loaded;
}

}  // namespace flightcheck
