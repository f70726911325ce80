// The installed probe: what install.sh recorded under the install prefix (checks/install_record.h).
#include <sys/stat.h>

#include <cerrno>
#include <ctime>

#include <fmt/format.h>

#include "checks/install_record.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "installed",
      .summary =
          "Whether flightcheck's install.sh finished an install under a prefix, and what it "
          "installed (the record <prefix>/.flightcheck-installed).",
      .params = {{"prefix", ParamType::kString, false, "/opt/mesosphere",
                  "the install prefix (absolute path)"}},
      .facts = {{"installed", FactType::Bool(),
                 "the record exists (an absent record is false, not an error; a malformed one is "
                 "an error naming the file and line)"},
                {"role", FactType::String(),
                 "master, agent or agent_public; \"\" when not installed"},
                {"artifact", FactType::String(),
                 "the artifact's name (flightcheck-<hash>); \"\" when not installed"},
                {"config_hash", FactType::String(), "\"\" when not installed"},
                {"cluster_hash", FactType::String(), "\"\" when not installed"},
                {"installed_at", FactType::String(),
                 "RFC 3339: the record's installed_at line, else the record file's modification "
                 "time in UTC; \"\" when not installed"}},
      .default_timeout = Milliseconds(2000),
  };
}

std::string Rfc3339Utc(time_t seconds) {
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline) {
  std::string prefix = params["prefix"].get<std::string>();
  if (prefix.empty() || prefix.front() != '/') {
    return Status::InvalidArgument(fmt::format(
        "parameter 'prefix' must be an absolute path, got {}", QuoteForMessage(prefix)));
  }
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  const std::string record_path =
      (prefix == "/" ? "" : prefix) + std::string("/.flightcheck-installed");
  Facts facts = {{"installed", false}, {"role", ""},         {"artifact", ""},
                 {"config_hash", ""},  {"cluster_hash", ""}, {"installed_at", ""}};
  // One byte more than a record may have, so that an oversized one is reported as such.
  Result<std::string> text = host.ReadFile(record_path, kMaxInstallRecordBytes + 1);
  if (!text) {
    if (text.error().IsNotFound()) return facts;
    return text.error();
  }
  Result<std::optional<InstallRecord>> record = ParseInstallRecord(*text);
  if (!record) return record.error().WithContext(record_path);
  if (!*record) {
    return Status::ParseError(record_path + ": empty: not a complete install record");
  }
  std::string installed_at = (*record)->installed_at;
  if (installed_at.empty()) {
    Result<std::filesystem::path> local = host.LocalPath(record_path);
    if (!local) return local.error();
    struct stat info {};
    if (::stat(local->c_str(), &info) != 0) return Status::FromErrno(record_path, errno);
    installed_at = Rfc3339Utc(info.st_mtim.tv_sec);
  }
  facts["installed"] = true;
  facts["role"] = (*record)->role;
  facts["artifact"] = (*record)->artifact;
  facts["config_hash"] = (*record)->config_hash;
  facts["cluster_hash"] = (*record)->cluster_hash;
  facts["installed_at"] = installed_at;
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
