// `flightcheck probes [--markdown]`: the probe registry, for people or as docs/probes.md.
#include <memory>

#include <fmt/format.h>

#include "checks/probe.h"
#include "cli/commands.h"

namespace flightcheck::cli {
namespace {

// sysexits' EX_SOFTWARE: the binary itself is broken (a probe registered badly).
constexpr int kExitSoftware = 70;

int ListProbes(bool markdown) {
  const ProbeRegistry& registry = ProbeRegistry::Global();
  if (!registry.Problems().empty()) {
    for (const std::string& problem : registry.Problems()) {
      fmt::print(stderr, "flightcheck: internal error: {}\n", problem);
    }
    return kExitSoftware;
  }
  if (markdown) {
    fmt::print("{}", ProbesMarkdown(registry));
    return 0;
  }
  for (const ProbeEntry* entry : registry.All()) {
    fmt::print("{:<14} {}\n", entry->descriptor.name, entry->descriptor.summary);
  }
  return 0;
}

}  // namespace

void AddProbesCommand(CLI::App& app, int* exit_code) {
  auto markdown = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("probes", "List the probes rules can use.");
  cmd->add_flag("--markdown", *markdown, "Print the reference as Markdown (docs/probes.md)");
  cmd->callback([markdown, exit_code] { *exit_code = ListProbes(*markdown); });
}

}  // namespace flightcheck::cli
