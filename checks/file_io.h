// Whole-file reads and atomic writes, shared by every layer that keeps files a user relies on
// (reports, install artifacts, state files).
//
// Pure functions over the filesystem; thread-safe for distinct paths.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "checks/status.h"

namespace flightcheck {

// Reads the whole file. NotFound / PermissionDenied / IoError name the path; a file longer than
// max_bytes is InvalidArgument rather than a silent truncation.
Result<std::string> ReadWholeFile(const std::filesystem::path& path,
                                  size_t max_bytes = size_t{256} << 20);

// Writes contents to a temporary file next to path, fsyncs it, sets mode and renames it over path,
// so a reader sees the old file or the new one, never half of either. On failure nothing is left
// behind and path is untouched.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents,
                           mode_t mode = 0644);

}  // namespace flightcheck
