// Compiles a rule's `expect` map into an Expectation, checked against its probe's descriptor.
//
// Every fact named must be one the probe reports, every matcher must be known and have a valid
// operand (units, version constraints and regexes are compiled here), and every matcher must be
// able to apply to the fact's type: `ge` on a string, `semver` on a bool, `contains` on a number
// or `ge 32GiB` on a duration are load errors, not rules that can never pass. Each problem is
// reported at the node that causes it; parsing goes on, so one pass finds them all.
//
// Pure; thread-compatible.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/probe.h"
#include "runner/matcher.h"
#include "runner/yaml_document.h"

namespace flightcheck {

using ReportProblem = std::function<void(const YamlNode& where, std::string message)>;

// expect is a non-empty map. descriptor is null when the rule's probe is unknown (already
// reported): facts and types are then not checked. The result is meaningful only when nothing was
// reported.
Expectation ParseExpectation(const YamlNode& expect, const ProbeDescriptor* descriptor,
                             const ReportProblem& report);

// The matcher names rules may use, in the order docs list them.
std::vector<std::string> MatcherNames();

}  // namespace flightcheck
