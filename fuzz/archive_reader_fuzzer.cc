// The archive reader (runner/archive_reader.h) on arbitrary bytes, as a node's part of a cluster
// bundle may be: it must never crash, hang or allocate without bound, and every entry it hands
// over is a regular file or a directory with a bounded name, whose bytes add up to no more than
// the archive could hold once decompressed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runner/archive_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  flightcheck::Result<std::unique_ptr<flightcheck::ArchiveReader>> reader =
      flightcheck::ArchiveReader::OpenMemory(bytes, 1000);
  if (!reader) return 0;
  for (int entries = 0;; ++entries) {
    flightcheck::Result<std::optional<flightcheck::ArchiveEntryInfo>> entry = (*reader)->Next();
    if (!entry || !*entry) break;
    if (entries >= 1000 || (*entry)->path.size() > 4096) std::abort();
    uint64_t total = 0;
    (void)(*reader)->ReadData([&](std::string_view chunk) {
      total += chunk.size();
      // Past 64 MiB from a fuzz input is a decompression bomb the harness stops reading.
      return total > (uint64_t{64} << 20) ? flightcheck::Status::Unavailable("enough")
                                          : flightcheck::Status::Ok();
    });
  }
  return 0;
}
