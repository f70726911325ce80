#include "checks/selinux.h"

#include <algorithm>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

SelinuxConfig ParseSelinuxConfig(std::string_view text) {
  SelinuxConfig config;
  for (const auto& [key, value] : ParseKeyValueLines(text)) {
    if (key == "SELINUX") config.mode = ToLower(value);
    if (key == "SELINUXTYPE") config.policy = value;
  }
  return config;
}

std::string ParseSelinuxEnforce(std::string_view text) {
  const std::string_view value = Trim(text);
  if (value == "1") return "enforcing";
  if (value == "0") return "permissive";
  return "";
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "selinux",
      .summary = "SELinux mode in force now and the mode configured for the next boot.",
      .params = {},
      .facts = {{"mode", FactType::String(),
                 "enforcing, permissive or disabled (selinuxfs not mounted) right now"},
                {"config_mode", FactType::String(),
                 "SELINUX= of /etc/selinux/config; \"\" when the file or key is absent"},
                {"policy", FactType::String(),
                 "SELINUXTYPE= of /etc/selinux/config, \"\" when absent"}},
      .default_timeout = Milliseconds(2000),
  };
}

Result<Facts> Probe(const Params&, const HostContext& host, Deadline) {
  Facts facts;
  // selinuxfs is mounted only when SELinux is enabled in the kernel, so its absence means
  // "disabled", a fact; an unreadable or garbled enforce file is an error.
  Result<std::string> enforce = host.ReadFile("/sys/fs/selinux/enforce", 64);
  if (enforce) {
    const std::string mode = ParseSelinuxEnforce(*enforce);
    if (mode.empty()) {
      return Status::ParseError(
          fmt::format("/sys/fs/selinux/enforce holds '{}', expected 0 or 1", Trim(*enforce)));
    }
    facts["mode"] = mode;
  } else if (enforce.error().IsNotFound()) {
    facts["mode"] = "disabled";
  } else {
    return enforce.error();
  }

  Result<std::string> config_text = host.ReadFile("/etc/selinux/config");
  SelinuxConfig config;
  if (config_text) {
    config = ParseSelinuxConfig(*config_text);
  } else if (!config_text.error().IsNotFound()) {
    return config_text.error();
  }
  facts["config_mode"] = config.mode;
  facts["policy"] = config.policy;
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
