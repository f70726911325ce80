#include "runner/stage_state.h"

#include <array>

#include <fmt/format.h>

#include "checks/file_io.h"

namespace flightcheck {

namespace {

constexpr std::array<std::pair<HostStatus, std::string_view>, 7> kStatusNames = {{
    {HostStatus::kUnstarted, "unstarted"},
    {HostStatus::kRunning, "running"},
    {HostStatus::kSuccess, "success"},
    {HostStatus::kFailed, "failed"},
    {HostStatus::kUnreachable, "unreachable"},
    {HostStatus::kTerminated, "terminated"},
    {HostStatus::kInstalled, "installed"},
}};

}  // namespace

std::string_view HostStatusName(HostStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  return "unknown";
}

std::optional<HostStatus> ParseHostStatus(std::string_view name) {
  for (const auto& [value, known] : kStatusNames) {
    if (known == name) return value;
  }
  return std::nullopt;
}

int StageState::Count(HostStatus status) const {
  int count = 0;
  for (const HostState& host : hosts) count += host.status == status ? 1 : 0;
  return count;
}

HostState* StageState::Find(std::string_view address) {
  for (HostState& host : hosts) {
    if (host.address == address) return &host;
  }
  return nullptr;
}

const HostState* StageState::Find(std::string_view address) const {
  return const_cast<StageState*>(this)->Find(address);
}

nlohmann::json StageStateToJson(const StageState& state) {
  int masters = 0;
  for (const HostState& host : state.hosts) masters += host.role == "master" ? 1 : 0;
  nlohmann::json hosts = nlohmann::json::object();
  for (const HostState& host : state.hosts) {
    hosts[host.address] = {
        {"role", host.role},
        {"host_status", HostStatusName(host.status)},
        {"message", host.message},
        {"step", host.step},
        {"log", host.log},
        {"started_at", host.started_at},
        {"finished_at", host.finished_at},
        {"duration_seconds", host.seconds},
        {"report", host.report},
    };
  }
  // total_masters and total_agents as in DC/OS's state files, which dashboards read.
  return {
      {"schema", StageState::kSchema},
      {"stage", state.stage},
      {"config_hash", state.config_hash},
      {"artifact", state.artifact},
      {"started_at", state.started_at},
      {"finished_at", state.finished_at},
      {"forced", state.forced},
      {"total_hosts", state.hosts.size()},
      {"total_masters", masters},
      {"total_agents", static_cast<int>(state.hosts.size()) - masters},
      {"hosts", hosts},
  };
}

Result<StageState> StageStateFromJson(const nlohmann::json& document) {
  auto bad = [](std::string_view what) {
    return Status::InvalidArgument(fmt::format("not a stage state: {}", what));
  };
  if (!document.is_object() || document.value("schema", "") != StageState::kSchema) {
    return bad(fmt::format("schema is not \"{}\"", StageState::kSchema));
  }
  const auto text = [&](const nlohmann::json& object, const char* key) {
    const auto it = object.find(key);
    return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  StageState state;
  state.stage = text(document, "stage");
  state.config_hash = text(document, "config_hash");
  state.artifact = text(document, "artifact");
  state.started_at = text(document, "started_at");
  state.finished_at = text(document, "finished_at");
  state.forced = document.value("forced", false);
  const auto hosts = document.find("hosts");
  if (hosts == document.end() || !hosts->is_object()) return bad("\"hosts\" is not an object");
  for (const auto& [address, entry] : hosts->items()) {
    if (!entry.is_object()) return bad(fmt::format("host \"{}\" is not an object", address));
    HostState host;
    host.address = address;
    host.role = text(entry, "role");
    std::optional<HostStatus> status = ParseHostStatus(text(entry, "host_status"));
    if (!status) return bad(fmt::format("host \"{}\" has no valid host_status", address));
    host.status = *status;
    host.message = text(entry, "message");
    host.step = text(entry, "step");
    host.log = text(entry, "log");
    host.started_at = text(entry, "started_at");
    host.finished_at = text(entry, "finished_at");
    const auto seconds = entry.find("duration_seconds");
    if (seconds != entry.end() && seconds->is_number()) host.seconds = seconds->get<double>();
    if (const auto report = entry.find("report"); report != entry.end()) host.report = *report;
    state.hosts.push_back(std::move(host));
  }
  return state;
}

Status WriteStageState(const std::filesystem::path& path, const StageState& state) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Status::FromErrno(fmt::format("cannot create '{}'", path.parent_path().string()),
                             ec.value());
  }
  return WriteFileAtomically(
      path,
      StageStateToJson(state).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

Result<StageState> ReadStageState(const std::filesystem::path& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text) return text.error();
  nlohmann::json document = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return Status::InvalidArgument(fmt::format("'{}' is not valid JSON", path.string()));
  }
  Result<StageState> state = StageStateFromJson(document);
  if (!state) {
    return Status::InvalidArgument(fmt::format("'{}': {}", path.string(), state.error().message()));
  }
  return state;
}

}  // namespace flightcheck
