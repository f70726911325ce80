#include "checks/kernel_module.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

std::string NormalizeModuleName(std::string_view name) {
  std::string out(name);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

std::vector<std::string> ParseProcModules(std::string_view text) {
  std::vector<std::string> names;
  for (std::string_view line : SplitLines(text)) {
    const std::vector<std::string_view> fields = SplitFields(line);
    if (!fields.empty()) names.push_back(NormalizeModuleName(fields[0]));
  }
  return names;
}

std::vector<std::string> ParseModulePaths(std::string_view text) {
  std::vector<std::string> names;
  for (std::string_view line : SplitLines(text)) {
    std::string_view path = Trim(line.substr(0, line.find(':')));
    if (path.empty() || path.front() == '#') continue;
    const size_t slash = path.rfind('/');
    if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
    const size_t ko = path.find(".ko");
    if (ko == std::string_view::npos || ko == 0) continue;
    names.push_back(NormalizeModuleName(path.substr(0, ko)));
  }
  return names;
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "kernel_module",
      .summary =
          "Whether a kernel module is loaded, built in, or installed for the running kernel.",
      .params = {{.name = "name",
                  .type = ParamType::kString,
                  .required = true,
                  .default_value = nullptr,
                  .doc = "module name, e.g. overlay or br_netfilter ('-' and '_' are equal)"}},
      .facts =
          {{"loaded", FactType::Bool(), "listed in /proc/modules"},
           {"builtin", FactType::Bool(),
            "compiled into the kernel: in modules.builtin of the running kernel, or present in "
            "/sys/module without being loaded"},
           {"loadable", FactType::Bool(),
            "in modules.dep of the running kernel (modprobe can load it)"},
           {"available", FactType::Bool(), "loaded, builtin or loadable"}},
      .default_timeout = Milliseconds(2000),
  };
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Reads a module list; an absent file (no module support, an image without /proc) is an empty
// list, an unreadable one an error.
Result<std::vector<std::string>> ReadModuleList(const HostContext& host, const std::string& path,
                                                bool proc_format) {
  // modules.dep of a distribution kernel is about 0.5 MiB.
  Result<std::string> text = host.ReadFile(path, 64 << 20);
  if (!text) {
    if (text.error().IsNotFound()) return std::vector<std::string>();
    return text.error();
  }
  return proc_format ? ParseProcModules(*text) : ParseModulePaths(*text);
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string name = NormalizeModuleName(params["name"].get<std::string>());
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return Status::InvalidArgument(fmt::format("'{}' is not a kernel module name", name));
  }
  Result<std::string> release_text = host.ReadFile("/proc/sys/kernel/osrelease", 4096);
  if (!release_text) return release_text.error().WithContext("finding the running kernel");
  const std::string release(Trim(*release_text));
  if (release.empty() || release.find('/') != std::string::npos) {
    return Status::ParseError(
        fmt::format("/proc/sys/kernel/osrelease holds '{}', expected a release", release));
  }

  Result<std::vector<std::string>> loaded = ReadModuleList(host, "/proc/modules", true);
  if (!loaded) return loaded.error();
  const std::string modules_dir = "/lib/modules/" + release;
  Result<std::vector<std::string>> builtin =
      ReadModuleList(host, modules_dir + "/modules.builtin", false);
  if (!builtin) return builtin.error();
  Result<std::vector<std::string>> loadable =
      ReadModuleList(host, modules_dir + "/modules.dep", false);
  if (!loadable) return loadable.error();

  const bool is_loaded = Contains(*loaded, name);
  bool is_builtin = Contains(*builtin, name);
  if (!is_loaded && !is_builtin) {
    // /sys/module/<name> exists for loaded modules and for built-in ones that have parameters or
    // a version; modules.builtin can be missing on custom kernels.
    struct stat st {};
    const std::string sys_path = "/sys/module/" + name;
    Result<std::filesystem::path> local = host.LocalPath(sys_path);
    if (!local) return local.error();
    if (::stat(local->c_str(), &st) == 0) {
      is_builtin = S_ISDIR(st.st_mode);
    } else if (errno != ENOENT && errno != ENOTDIR) {
      return Status::FromErrno(fmt::format("stat {}", sys_path), errno);
    }
  }
  const bool is_loadable = Contains(*loadable, name);

  Facts facts;
  facts["loaded"] = is_loaded;
  facts["builtin"] = is_builtin;
  facts["loadable"] = is_loadable;
  facts["available"] = is_loaded || is_builtin || is_loadable;
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
