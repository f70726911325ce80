#include "checks/sysctl.h"

#include <sys/stat.h>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

Result<std::string> SysctlPath(std::string_view key) {
  const bool slashed = key.find('/') != std::string_view::npos;
  const char separator = slashed ? '/' : '.';
  std::string path = "/proc/sys";
  size_t start = 0;
  while (true) {
    const size_t end = key.find(separator, start);
    const std::string_view part =
        key.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (part.empty() || part == "." || part == "..") {
      return Status::InvalidArgument(fmt::format(
          "sysctl key '{}' is not of the form 'net.ipv4.ip_forward' or 'net/ipv4/ip_forward'",
          key));
    }
    path += '/';
    path += part;
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return path;
}

std::string NormalizeSysctlValue(std::string_view text) {
  std::string out;
  for (std::string_view field : SplitFields(text, " \t\r\n")) {
    if (!out.empty()) out += ' ';
    out += field;
  }
  return out;
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "sysctl",
      .summary = "Current value of a kernel parameter under /proc/sys.",
      .params = {{.name = "key",
                  .type = ParamType::kString,
                  .required = true,
                  .default_value = nullptr,
                  .doc =
                      "sysctl key, e.g. net.ipv4.ip_forward or net/ipv4/conf/eth0.1/forwarding"}},
      .facts = {{"exists", FactType::Bool(), "the kernel has this parameter"},
                {"value", FactType::String(),
                 "the value with whitespace runs collapsed to one space; \"\" when absent"},
                {"number", FactType::Int().OrNull(),
                 "value as an integer; null when it is not one"}},
      .default_timeout = Milliseconds(2000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  const std::string key = params["key"].get<std::string>();
  Result<std::string> path = SysctlPath(key);
  if (!path) return path.error();

  Facts facts;
  Result<std::string> text = host.ReadFile(*path, 64 * 1024);
  if (!text) {
    if (text.error().IsNotFound()) {
      facts["exists"] = false;
      facts["value"] = "";
      facts["number"] = nullptr;
      return facts;
    }
    struct stat st {};
    Result<std::filesystem::path> local = host.LocalPath(*path);
    if (local && ::stat(local->c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      return Status::InvalidArgument(
          fmt::format("sysctl key '{}' names a group of parameters ({}), not one", key, *path));
    }
    return text.error();
  }
  const std::string value = NormalizeSysctlValue(*text);
  const std::optional<int64_t> number = ParseInt64(value);
  facts["exists"] = true;
  facts["value"] = value;
  facts["number"] = number ? Facts(*number) : Facts(nullptr);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
