// A finished support bundle read back (`bundle inspect`, `bundle verify`, `bundle list`): every
// entry is streamed and hashed, and compared with the bundle's manifest.json
// (collector/bundle_writer.h, docs/bundles.md): each item that has an entry (all but a required
// item that failed) must be there with the bytes and SHA-256 the manifest records, and every entry
// but manifest.json and summaryErrorsReport.txt must be an item.
//
// Failure: what cannot be read as an archive is the error returned; a bundle that reads but does
// not match its manifest (a changed or missing entry, an unlisted one, no manifest, a manifest of
// another schema or shape) is returned with its problems listed, each naming the entry.
// Bounded: the archive reader's bounds (runner/archive_reader.h); a manifest (and a cluster
// bundle's report.json) of at most 64 MiB.
// Thread-safety: pure apart from reading the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"

namespace flightcheck {

struct BundleContents {
  nlohmann::json manifest;            // null when the bundle has none that parses
  nlohmann::json report;              // a cluster bundle's report.json; null otherwise
  std::vector<std::string> problems;  // empty: the bundle is as its manifest says
  uint64_t entries = 0;               // files in the archive
  uint64_t bytes = 0;                 // their contents, uncompressed
};

Result<BundleContents> ReadBundle(const std::filesystem::path& path);

}  // namespace flightcheck
