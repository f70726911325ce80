// Parsers of the kernel_module probe (no I/O).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

// The kernel treats '-' and '_' in module names alike; this maps both to '_'.
std::string NormalizeModuleName(std::string_view name);

// Names (first field) of the modules listed in /proc/modules, normalized.
std::vector<std::string> ParseProcModules(std::string_view text);

// Module names of modules.builtin or modules.dep lines ("kernel/fs/xfs/xfs.ko.xz: deps..."):
// the basename of the path before any ':', without ".ko" and a compression suffix, normalized.
std::vector<std::string> ParseModulePaths(std::string_view text);

}  // namespace flightcheck
