// CallProbe: runs a registered probe the way the runner does (params validated, defaults
// filled) against a root with a LocalCommandRunner. A probe missing from the registry fails the
// test; invalid params come back as the Result's error.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "checks/command_runner.h"
#include "checks/deadline.h"
#include "checks/host_context.h"
#include "checks/probe.h"
#include "checks/status.h"

namespace flightcheck::testing {

// The registered probe, or nullptr after failing the test.
inline const ProbeEntry* FindProbe(std::string_view name) {
  const ProbeEntry* probe = ProbeRegistry::Global().Find(name);
  if (probe == nullptr) ADD_FAILURE() << "no probe '" << name << "' in the registry";
  return probe;
}

// Validates params (filling defaults) and calls the probe with host and deadline.
inline Result<Facts> CallProbe(std::string_view name, const Params& params, const HostContext& host,
                               Deadline deadline) {
  const ProbeEntry* probe = FindProbe(name);
  if (probe == nullptr) return Status::NotFound("no probe '" + std::string(name) + "'");
  Result<Params> validated = ValidateParams(probe->descriptor, params);
  if (!validated) return validated.error();
  return probe->function(*validated, host, deadline);
}

// As above, on the host under root with a LocalCommandRunner.
inline Result<Facts> CallProbe(std::string_view name, const Params& params,
                               const std::filesystem::path& root, Deadline deadline) {
  LocalCommandRunner runner;
  HostContext host{.root = root, .commands = &runner};
  return CallProbe(name, params, host, deadline);
}

inline Result<Facts> CallProbe(std::string_view name, const Params& params = Params::object(),
                               const std::filesystem::path& root = "/",
                               Milliseconds timeout = std::chrono::seconds(5)) {
  return CallProbe(name, params, root, Deadline::In(timeout));
}

// As CallProbe, for callers whose params must be valid: invalid params also fail the test.
inline Result<Facts> CallProbeWithValidParams(std::string_view name, const Params& params,
                                              const std::filesystem::path& root = "/",
                                              Milliseconds timeout = std::chrono::seconds(5)) {
  Result<Facts> facts = CallProbe(name, params, root, timeout);
  if (const ProbeEntry* probe = ProbeRegistry::Global().Find(name)) {
    Result<Params> validated = ValidateParams(probe->descriptor, params);
    EXPECT_TRUE(validated) << validated.error().ToString();
  }
  return facts;
}

}  // namespace flightcheck::testing
