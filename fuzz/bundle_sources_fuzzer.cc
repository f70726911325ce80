// The support bundle sources parser (runner/bundle_sources.h) on arbitrary YAML: it must never
// crash, and a load is either sources without problems or problems without sources, each problem
// starting with the file name and a position.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "runner/bundle_sources.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const flightcheck::BundleSourcesLoad load = flightcheck::ParseBundleSources(text, "f.yaml");
  if (!load.problems.empty() && !load.sources.empty()) std::abort();
  for (const std::string& problem : load.problems) {
    if (problem.rfind("f.yaml:", 0) != 0) std::abort();
  }
  for (const flightcheck::BundleSource& source : load.sources) {
    if (source.id.empty()) std::abort();
  }
  return 0;
}
