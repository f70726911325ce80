// libFuzzer harness: the input is a config.yaml, validated as a node does (kNode: no file is
// looked at) and as genconf does (kGenconf: the files it names are looked for under an install
// directory that does not exist). Every problem is formatted; a config that validates is rendered
// (rule variables, the node's config, the config hash). docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "installer/cluster_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace flightcheck;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (ConfigMode mode : {ConfigMode::kNode, ConfigMode::kGenconf}) {
    const ConfigLoad load =
        ParseClusterConfig(text, "/nonexistent-flightcheck-fuzz/genconf/config.yaml", mode);
    for (const ConfigProblem& problem : load.problems) {
      (void)FormatProblem(problem);
      (void)FormatProblemAt(problem, "genconf/config.yaml");
    }
    if (!load.config) continue;
    (void)ClusterVariables(*load.config);
    (void)RenderNodeConfig(*load.config);
    (void)ConfigHash(*load.config);
  }
  return 0;
}
