#include "checks/os.h"

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

OsRelease ParseOsRelease(std::string_view text) {
  OsRelease release;
  std::string plain_name;
  for (const auto& [key, value] : ParseKeyValueLines(text)) {
    if (key == "ID") release.id = value;
    if (key == "VERSION_ID") release.version_id = value;
    if (key == "PRETTY_NAME") release.name = value;
    if (key == "NAME") plain_name = value;
    if (key == "ID_LIKE") {
      release.id_like.clear();
      for (std::string_view like : SplitFields(value)) release.id_like.emplace_back(like);
    }
  }
  if (release.name.empty()) release.name = plain_name;
  return release;
}

std::optional<int64_t> ParseSystemdVersion(std::string_view text) {
  const std::vector<std::string_view> lines = SplitLines(text);
  if (lines.empty()) return std::nullopt;
  const std::vector<std::string_view> fields = SplitFields(lines.front());
  if (fields.size() < 2 || fields[0] != "systemd") return std::nullopt;
  return ParseInt64(fields[1]);
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "os",
      .summary = "Operating system release, running kernel and systemd version.",
      .params = {},
      .facts = {{"os_release_found", FactType::Bool(),
                 "false when neither /etc/os-release nor /usr/lib/os-release exists"},
                {"id", FactType::String(),
                 "ID= of os-release (\"centos\", \"debian\"); \"\" when absent"},
                {"version_id", FactType::Version(),
                 "VERSION_ID= of os-release (\"7\", \"12\"); \"\" when absent"},
                {"name", FactType::String(),
                 "PRETTY_NAME= of os-release (NAME= when unset); \"\" when absent"},
                {"id_like", FactType::ListOf(FactKind::kString),
                 "ID_LIKE= of os-release split on spaces"},
                {"kernel_release", FactType::Version(),
                 "/proc/sys/kernel/osrelease (uname -r); \"\" when absent"},
                {"kernel_version", FactType::String(),
                 "/proc/sys/kernel/version (uname -v); \"\" when absent"},
                {"systemd_installed", FactType::Bool(), "systemctl is in the system PATH"},
                {"systemd_version", FactType::Int().OrNull(),
                 "N of `systemctl --version` (\"systemd N ...\"); null when not installed"}},
      .default_timeout = Milliseconds(5000),
  };
}

// A missing /proc file (an offline image) is an empty fact; an unreadable one is an error.
Result<std::string> ReadOptional(const HostContext& host, std::string_view path) {
  Result<std::string> text = host.ReadFile(path, 64 * 1024);
  if (text) return std::string(Trim(*text));
  if (text.error().IsNotFound()) return std::string();
  return text.error();
}

Result<Facts> Probe(const Params&, const HostContext& host, Deadline deadline) {
  Facts facts;
  // /etc/os-release wins; /usr/lib/os-release is the vendor fallback os-release(5) names.
  Result<std::string> release_text = host.ReadFile("/etc/os-release", 64 * 1024);
  if (!release_text && release_text.error().IsNotFound()) {
    release_text = host.ReadFile("/usr/lib/os-release", 64 * 1024);
  }
  if (!release_text && !release_text.error().IsNotFound()) return release_text.error();
  const OsRelease release = release_text ? ParseOsRelease(*release_text) : OsRelease{};
  facts["os_release_found"] = release_text.has_value();
  facts["id"] = release.id;
  facts["version_id"] = release.version_id;
  facts["name"] = release.name;
  facts["id_like"] = release.id_like;

  Result<std::string> kernel_release = ReadOptional(host, "/proc/sys/kernel/osrelease");
  if (!kernel_release) return kernel_release.error();
  Result<std::string> kernel_version = ReadOptional(host, "/proc/sys/kernel/version");
  if (!kernel_version) return kernel_version.error();
  facts["kernel_release"] = *kernel_release;
  facts["kernel_version"] = *kernel_version;

  Result<std::optional<std::string>> systemctl = host.SearchSystemPath("systemctl");
  if (!systemctl) return systemctl.error();
  facts["systemd_installed"] = systemctl->has_value();
  facts["systemd_version"] = nullptr;
  if (*systemctl) {
    // The root's own systemctl runs, so an image or fixture root reports its own version.
    Result<std::filesystem::path> program = host.LocalPath(**systemctl);
    if (!program) return program.error();
    const std::vector<std::string> argv = {program->string(), "--version"};
    Result<CommandResult> run = host.commands->Run(argv, deadline, 64 * 1024);
    if (!run) return run.error();
    if (run->exit_code != 0) {
      return Status::Internal(fmt::format("{} exited with {}: {}", QuoteArgv(argv), run->exit_code,
                                          Trim(run->stderr_text)));
    }
    const std::optional<int64_t> version = ParseSystemdVersion(run->stdout_text);
    if (!version) {
      const std::vector<std::string_view> lines = SplitLines(run->stdout_text);
      return Status::ParseError(
          fmt::format("{} printed '{}', expected 'systemd <version> ...'", QuoteArgv(argv),
                      lines.empty() ? std::string_view() : Trim(lines.front())));
    }
    facts["systemd_version"] = *version;
  }
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
