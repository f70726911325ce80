// libFuzzer harness: the input is one rule file, loaded against the real probe registry as
// `flightcheck rules validate` would. Diagnostics are formatted (source line and caret), so
// positions that do not fit the source are found too, and the expectations of a file that loads
// are rendered as the JSON report would. docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checks/probe.h"
#include "runner/diagnostics.h"
#include "runner/rule_loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightcheck;
  const std::vector<SourceFile> files = {
      {"fuzz.yaml", std::string(reinterpret_cast<const char*>(data), size)}};
  const LoadResult loaded = LoadRules(files, ProbeRegistry::Global());
  (void)loaded.diagnostics.Format();
  if (!loaded.ok()) return 0;  // a rule set with diagnostics is not to be used (rule_loader.h)
  for (const Rule& rule : loaded.rules.rules) (void)rule.expect.ToJson().dump();
  return 0;
}
