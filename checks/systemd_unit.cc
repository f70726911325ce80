// The systemd_unit probe: the state and 3DT health of units, asked of the systemd manager over
// sd-bus at HostContext::systemd_bus, with the journal tail of unhealthy ones.
#include "checks/systemd_unit.h"

#include <systemd/sd-bus.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "checks/journal_reader.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

UnitHealthVerdict UnitHealth(const UnitProperties& unit) {
  const std::string& id = unit.id;
  if (unit.load_state != "loaded") {
    return {1, fmt::format("{} is not loaded (LoadState {}). Please check `systemctl show {}` to "
                           "check current unit status.",
                           id, unit.load_state, id)};
  }
  if (unit.active_state != "active" && unit.active_state != "inactive" &&
      unit.active_state != "activating") {
    return {1, fmt::format("{} state is not one of the possible states [active inactive "
                           "activating]. Current state is [ {} ]. Please check `systemctl show {}` "
                           "to check current unit state.",
                           id, unit.active_state, id)};
  }
  if (unit.exec_main_status.value_or(0) != 0) {
    return {1, fmt::format("ExecMainStatus return failed status {} for {}", *unit.exec_main_status,
                           id)};
  }
  if (unit.active_state == "activating" && unit.sub_state == "auto-restart") {
    if (unit.active_enter_timestamp_monotonic == 0) {
      return {1, fmt::format("unit {} has never entered `active` state", id)};
    }
    if (unit.inactive_enter_timestamp_monotonic > unit.active_enter_timestamp_monotonic) {
      return {1, fmt::format("unit {} is flapping. Please check `systemctl status {}` to check "
                             "current unit state.",
                             id, id)};
    }
  }
  if (unit.active_state == "inactive") {
    const bool oneshot_done = unit.service_type == "oneshot" &&
                              unit.exec_main_status.value_or(-1) == 0 &&
                              unit.exec_main_exit_timestamp_monotonic != 0;
    const bool timer_driven =
        std::any_of(unit.triggered_by.begin(), unit.triggered_by.end(),
                    [](const std::string& name) { return name.ends_with(".timer"); });
    if (!oneshot_done && !timer_driven) {
      return {1, fmt::format("Unit {} is {}", id, unit.sub_state)};
    }
  }
  return {0, ""};
}

std::pair<std::string, std::string> UnitPrettyName(std::string_view id,
                                                   std::string_view description) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t found = description.find(": ", start);
    if (found == std::string_view::npos) {
      parts.emplace_back(description.substr(start));
      break;
    }
    parts.emplace_back(description.substr(start, found - start));
    start = found + 2;
  }
  if (parts.size() == 2) return {parts[0], parts[1]};
  std::string joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += ' ';
    joined += parts[i];
  }
  return {std::string(id), joined};
}

bool IsUnitGlob(std::string_view name) {
  return name.find_first_of("*?[") != std::string_view::npos;
}

namespace {

constexpr const char* kDestination = "org.freedesktop.systemd1";
constexpr const char* kManagerPath = "/org/freedesktop/systemd1";
constexpr const char* kManagerInterface = "org.freedesktop.systemd1.Manager";
constexpr const char* kUnitInterface = "org.freedesktop.systemd1.Unit";
constexpr const char* kServiceInterface = "org.freedesktop.systemd1.Service";
constexpr size_t kJournalTail = 50;

struct BusCloser {
  // No flush: every call already waited for its reply, and a flush would wait out the 90 s
  // authentication timeout of a peer that never answers.
  void operator()(sd_bus* bus) const { sd_bus_close_unref(bus); }
};
using BusHandle = std::unique_ptr<sd_bus, BusCloser>;

struct MessageUnref {
  void operator()(sd_bus_message* message) const { sd_bus_message_unref(message); }
};
using MessageHandle = std::unique_ptr<sd_bus_message, MessageUnref>;

// Frees an sd_bus_error on scope exit.
struct ScopedBusError {
  sd_bus_error error{};  // SD_BUS_ERROR_NULL, without its C99 compound literal
  ~ScopedBusError() { sd_bus_error_free(&error); }
};

Status BusFailure(std::string_view what, int r, const sd_bus_error* error) {
  const std::string reason = (error != nullptr && sd_bus_error_is_set(error) && error->message)
                                 ? std::string(error->message)
                                 : std::string(std::strerror(-r));
  const std::string message = fmt::format("{}: {}", what, reason);
  if (r == -ETIMEDOUT) return Status::Timeout(message);
  if (r == -ENOENT || r == -ECONNREFUSED || r == -ECONNRESET || r == -ENOTCONN || r == -EPIPE ||
      r == -ESHUTDOWN) {
    return Status::Unavailable(message);
  }
  if (r == -EACCES || r == -EPERM) return Status::PermissionDenied(message);
  return Status::Internal(message);
}

// One connection to the manager; every call is bounded by the deadline.
class Manager {
 public:
  Manager(BusHandle bus, std::string address, Deadline deadline)
      : bus_(std::move(bus)), address_(std::move(address)), deadline_(deadline) {}

  static Result<Manager> Connect(const std::string& address, Deadline deadline) {
    sd_bus* raw = nullptr;
    int r = sd_bus_new(&raw);
    if (r < 0) return BusFailure("creating a D-Bus connection", r, nullptr);
    BusHandle bus(raw);
    const std::string what = "connecting to the systemd manager at " + address;
    r = sd_bus_set_address(raw, address.c_str());
    if (r < 0) {
      return Status::InvalidArgument(
          fmt::format("systemd bus address {}: {}", QuoteForMessage(address), std::strerror(-r)));
    }
    if (deadline.expired()) return Status::Timeout(what + ": deadline passed");
    r = sd_bus_start(raw);
    if (r < 0) {
      Status failure = BusFailure(what, r, nullptr);
      if (failure.code() == ErrorCode::kInternal) return Status::Unavailable(failure.message());
      return failure;
    }
    // The authentication has its own 90 s timeout, which method call timeouts do not shorten: a
    // peer that accepts and never answers is waited for here, until the deadline.
    while ((r = sd_bus_is_ready(raw)) == 0) {
      if (deadline.expired()) {
        return Status::Timeout(what + ": no answer to the D-Bus authentication by the deadline");
      }
      r = sd_bus_process(raw, nullptr);
      if (r < 0) break;
      if (r > 0) continue;
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline.remaining());
      r = sd_bus_wait(raw, static_cast<uint64_t>(std::max<int64_t>(1000, left.count())));
      if (r < 0) break;
    }
    if (r < 0) {
      Status failure = BusFailure(what, r, nullptr);
      if (failure.code() == ErrorCode::kInternal) return Status::Unavailable(failure.message());
      return failure;
    }
    return Manager(std::move(bus), address, deadline);
  }

  // Bounds the next call by the time left; Timeout when none is.
  Status Arm(std::string_view what) {
    if (deadline_.expired()) {
      return Status::Timeout(
          fmt::format("{} (systemd manager at {}): deadline passed", what, address_));
    }
    const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline_.remaining());
    const int r = sd_bus_set_method_call_timeout(bus_.get(), std::max<int64_t>(1000, left.count()));
    if (r < 0) return BusFailure(what, r, nullptr);
    return Status::Ok();
  }

  std::string Context(std::string_view what) const {
    return fmt::format("{} (systemd manager at {})", what, address_);
  }

  // Manager.ListUnitsByPatterns([], patterns): (id, object path) of loaded units.
  Result<std::vector<std::pair<std::string, std::string>>> ListByPatterns(
      const std::vector<std::string>& patterns) {
    const std::string what = Context("listing units " + JoinStrings(patterns));
    if (Status armed = Arm(what); !armed.ok()) return armed;
    sd_bus_message* raw = nullptr;
    int r = sd_bus_message_new_method_call(bus_.get(), &raw, kDestination, kManagerPath,
                                           kManagerInterface, "ListUnitsByPatterns");
    if (r < 0) return BusFailure(what, r, nullptr);
    MessageHandle call(raw);
    r = sd_bus_message_append_strv(raw, nullptr);
    if (r >= 0) {
      std::vector<char*> strv;
      for (const std::string& pattern : patterns)
        strv.push_back(const_cast<char*>(pattern.c_str()));
      strv.push_back(nullptr);
      r = sd_bus_message_append_strv(raw, strv.data());
    }
    if (r < 0) return BusFailure(what, r, nullptr);
    ScopedBusError error;
    sd_bus_message* reply_raw = nullptr;
    r = sd_bus_call(bus_.get(), raw, 0, &error.error, &reply_raw);
    if (r < 0) return BusFailure(what, r, &error.error);
    MessageHandle reply(reply_raw);
    r = sd_bus_message_enter_container(reply_raw, SD_BUS_TYPE_ARRAY, "(ssssssouso)");
    if (r < 0) return BusFailure(what + ": reading the reply", r, nullptr);
    std::vector<std::pair<std::string, std::string>> units;
    const char *id, *description, *load, *active, *sub, *following, *path, *job_type, *job_path;
    uint32_t job_id = 0;
    while ((r = sd_bus_message_read(reply_raw, "(ssssssouso)", &id, &description, &load, &active,
                                    &sub, &following, &path, &job_id, &job_type, &job_path)) > 0) {
      units.emplace_back(id, path);
    }
    if (r < 0) return BusFailure(what + ": reading the reply", r, nullptr);
    return units;
  }

  // Manager.LoadUnit(name): the unit's object path (a not-found unit has one too).
  Result<std::string> LoadUnit(const std::string& name) {
    const std::string what = Context("loading unit " + name);
    if (Status armed = Arm(what); !armed.ok()) return armed;
    ScopedBusError error;
    sd_bus_message* reply_raw = nullptr;
    const int r = sd_bus_call_method(bus_.get(), kDestination, kManagerPath, kManagerInterface,
                                     "LoadUnit", &error.error, &reply_raw, "s", name.c_str());
    if (r < 0) {
      Status failure = BusFailure(what, r, &error.error);
      if (sd_bus_error_has_name(&error.error, "org.freedesktop.systemd1.InvalidName")) {
        return Status::InvalidArgument(failure.message());
      }
      return failure;
    }
    MessageHandle reply(reply_raw);
    const char* path = nullptr;
    const int read = sd_bus_message_read(reply_raw, "o", &path);
    if (read < 0) return BusFailure(what + ": reading the reply", read, nullptr);
    return std::string(path);
  }

  // Properties.GetAll(interface) of the object at path: one reply, so the values are one
  // consistent snapshot of the unit (reading them one Get at a time can mix two states). Calls
  // read(name, message) for each property, with the message at the property's variant; read
  // returns 0 when it did not consume the variant (it is then skipped) and 1 when it did.
  template <typename Reader>
  Status GetAll(const std::string& path, const char* interface, Reader read) {
    const std::string what =
        Context(fmt::format("reading the {} properties of {}", interface, path));
    if (Status armed = Arm(what); !armed.ok()) return armed;
    ScopedBusError error;
    sd_bus_message* reply_raw = nullptr;
    int r = sd_bus_call_method(bus_.get(), kDestination, path.c_str(),
                               "org.freedesktop.DBus.Properties", "GetAll", &error.error,
                               &reply_raw, "s", interface);
    if (r < 0) return BusFailure(what, r, &error.error);
    MessageHandle reply(reply_raw);
    const std::string reading = what + ": reading the reply";
    r = sd_bus_message_enter_container(reply_raw, SD_BUS_TYPE_ARRAY, "{sv}");
    if (r < 0) return BusFailure(reading, r, nullptr);
    while ((r = sd_bus_message_enter_container(reply_raw, SD_BUS_TYPE_DICT_ENTRY, "sv")) > 0) {
      const char* name = nullptr;
      r = sd_bus_message_read(reply_raw, "s", &name);
      if (r < 0) return BusFailure(reading, r, nullptr);
      r = read(std::string_view(name), reply_raw);
      if (r < 0) return BusFailure(fmt::format("{} ({})", reading, name), r, nullptr);
      if (r == 0) r = sd_bus_message_skip(reply_raw, "v");
      if (r < 0) return BusFailure(reading, r, nullptr);
      r = sd_bus_message_exit_container(reply_raw);
      if (r < 0) return BusFailure(reading, r, nullptr);
    }
    if (r < 0) return BusFailure(reading, r, nullptr);
    return Status::Ok();
  }

 private:
  BusHandle bus_;
  std::string address_;
  Deadline deadline_;
};

// The variant at message holds a string: reads it into *target. 1 when read.
int ReadString(sd_bus_message* message, std::string* target) {
  const char* value = nullptr;
  const int r = sd_bus_message_read(message, "v", "s", &value);
  if (r < 0) return r;
  *target = value != nullptr ? value : "";
  return 1;
}

int ReadStrv(sd_bus_message* message, std::vector<std::string>* target) {
  int r = sd_bus_message_enter_container(message, SD_BUS_TYPE_VARIANT, "as");
  if (r < 0) return r;
  char** items = nullptr;
  r = sd_bus_message_read_strv(message, &items);
  if (r < 0) return r;
  for (char** item = items; item != nullptr && *item != nullptr; ++item) {
    target->emplace_back(*item);
    free(*item);
  }
  free(items);
  r = sd_bus_message_exit_container(message);
  return r < 0 ? r : 1;
}

Result<UnitProperties> ReadUnit(Manager& manager, const std::string& path) {
  UnitProperties unit;
  // Which of the properties this probe needs arrived: a reply without one is an error, never a
  // default value.
  std::set<std::string> seen;
  Status read =
      manager.GetAll(path, kUnitInterface, [&](std::string_view name, sd_bus_message* message) {
        int r = 0;
        if (name == "Id") r = ReadString(message, &unit.id);
        if (name == "Description") r = ReadString(message, &unit.description);
        if (name == "LoadState") r = ReadString(message, &unit.load_state);
        if (name == "ActiveState") r = ReadString(message, &unit.active_state);
        if (name == "SubState") r = ReadString(message, &unit.sub_state);
        if (name == "ActiveEnterTimestampMonotonic") {
          r = sd_bus_message_read(message, "v", "t", &unit.active_enter_timestamp_monotonic);
        }
        if (name == "InactiveEnterTimestampMonotonic") {
          r = sd_bus_message_read(message, "v", "t", &unit.inactive_enter_timestamp_monotonic);
        }
        if (name == "TriggeredBy") r = ReadStrv(message, &unit.triggered_by);
        if (r > 0) seen.emplace(name);
        return r;
      });
  if (!read.ok()) return read;
  for (const char* property :
       {"Id", "Description", "LoadState", "ActiveState", "SubState",
        "ActiveEnterTimestampMonotonic", "InactiveEnterTimestampMonotonic", "TriggeredBy"}) {
    if (!seen.contains(property)) {
      return Status::ParseError(
          manager.Context(fmt::format("unit {} has no property {}", path, property)));
    }
  }
  for (const char* property : {"LoadState", "ActiveState", "SubState"}) {
    const std::string& value = property[0] == 'L'   ? unit.load_state
                               : property[0] == 'A' ? unit.active_state
                                                    : unit.sub_state;
    if (value.empty()) {
      return Status::ParseError(
          manager.Context(fmt::format("unit {} ({}) has an empty {}", unit.id, path, property)));
    }
  }

  if (unit.load_state == "loaded" && unit.id.ends_with(".service")) {
    int32_t status = 0;
    seen.clear();
    read = manager.GetAll(
        path, kServiceInterface, [&](std::string_view name, sd_bus_message* message) {
          int r = 0;
          if (name == "ExecMainStatus") r = sd_bus_message_read(message, "v", "i", &status);
          if (name == "Type") r = ReadString(message, &unit.service_type);
          if (name == "ExecMainExitTimestampMonotonic") {
            r = sd_bus_message_read(message, "v", "t", &unit.exec_main_exit_timestamp_monotonic);
          }
          if (r > 0) seen.emplace(name);
          return r;
        });
    if (!read.ok()) return read;
    for (const char* property : {"ExecMainStatus", "Type", "ExecMainExitTimestampMonotonic"}) {
      if (!seen.contains(property)) {
        return Status::ParseError(
            manager.Context(fmt::format("service {} has no property {}", path, property)));
      }
    }
    unit.exec_main_status = status;
  }
  return unit;
}

ProbeDescriptor Descriptor() {
  return {
      .name = "systemd_unit",
      .summary =
          "State and dcos-diagnostics (3DT) health of systemd units, asked of the manager over "
          "sd-bus, with the journal tail of unhealthy ones.",
      .params = {{"name", ParamType::kString, false, nullptr,
                  "a unit name (\"dcos-mesos-master.service\") or a glob (\"dcos-*.service\"); "
                  "give name or names, not both"},
                 {"names", ParamType::kStringList, false, nullptr,
                  "unit names or globs. A glob matches the units the manager has loaded "
                  "(systemctl list-units --all): every unit a loaded target wants stays loaded, "
                  "but a finished unit nothing references may have been unloaded, and is then "
                  "not matched. A plain name is loaded when needed (an unloaded oneshot then "
                  "reads as never run)."}},
      .facts =
          {{"units", FactType::ListOf(FactKind::kMap),
            "one per matched unit, sorted by id: id (unit file name), name and description "
            "(Description split on \": \" as 3DT does), load_state, active_state, sub_state "
            "(strings), exec_main_status (int; null for non-services and units not loaded), "
            "active_enter_timestamp_monotonic, inactive_enter_timestamp_monotonic (int, µs), "
            "health (0 healthy, 1 unhealthy by 3DT's table: not loaded, a state other than "
            "active/inactive/activating, ExecMainStatus != 0, auto-restart that never was active "
            "or is flapping; an inactive unit is healthy only when it is a oneshot service that "
            "ran and exited 0 or is triggered by a timer), output (\"\" when healthy; otherwise "
            "why, then a newline and the unit's last 50 journal lines, or a note that the "
            "journal could not be read)"},
           {"count", FactType::Int(),
            "units matched; a plain name the manager does not know counts, as load_state "
            "not-found"},
           {"unhealthy", FactType::ListOf(FactKind::kString), "ids of the units with health 1"},
           {"all_healthy", FactType::Bool(), "count > 0 and no unit is unhealthy"},
           {"detail", FactType::String(),
            "one line for messages: \"no unit matches <names>\", \"<n> of <m> units "
            "unhealthy: <id> (<active_state>/<sub_state>), ...\", \"\" when all are healthy"}},
      .default_timeout = Milliseconds(10000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline deadline) {
  const bool has_name = !params["name"].is_null();
  const bool has_names = !params["names"].is_null();
  if (has_name == has_names) {
    return Status::InvalidArgument("give exactly one of the parameters 'name' and 'names'");
  }
  std::vector<std::string> requested;
  if (has_name) {
    requested.push_back(params["name"].get<std::string>());
  } else {
    for (const auto& entry : params["names"]) requested.push_back(entry.get<std::string>());
  }
  std::vector<std::string> patterns;
  std::vector<std::string> plain;
  for (const std::string& name : requested) {
    if (name.empty()) return Status::InvalidArgument("an empty unit name");
    (IsUnitGlob(name) ? patterns : plain).push_back(name);
  }
  if (patterns.empty() && plain.empty()) {
    return Status::InvalidArgument("parameter 'names' is empty");
  }

  Result<Manager> manager = Manager::Connect(host.systemd_bus, deadline);
  if (!manager) return manager.error();
  std::map<std::string, std::string> paths;  // id → object path, sorted by id
  if (!patterns.empty()) {
    Result<std::vector<std::pair<std::string, std::string>>> listed =
        manager->ListByPatterns(patterns);
    if (!listed) return listed.error();
    for (auto& [id, path] : *listed) paths.emplace(id, path);
  }
  for (const std::string& name : plain) {
    Result<std::string> path = manager->LoadUnit(name);
    if (!path) return path.error();
    paths.emplace(name, *path);
  }

  std::vector<std::pair<UnitProperties, UnitHealthVerdict>> judged;
  std::set<std::string> seen;
  for (const auto& [requested_id, path] : paths) {
    Result<UnitProperties> unit = ReadUnit(*manager, path);
    if (!unit) return unit.error();
    if (!seen.insert(unit->id).second) continue;  // an alias of a unit already listed
    UnitHealthVerdict verdict = UnitHealth(*unit);
    judged.emplace_back(std::move(*unit), std::move(verdict));
  }
  std::sort(judged.begin(), judged.end(),
            [](const auto& a, const auto& b) { return a.first.id < b.first.id; });

  Facts units = nlohmann::json::array();
  std::vector<std::string> unhealthy;
  std::vector<std::string> unhealthy_states;
  for (auto& [unit, verdict] : judged) {
    if (verdict.health != 0) {
      unhealthy.push_back(unit.id);
      unhealthy_states.push_back(
          fmt::format("{} ({}/{})", unit.id, unit.active_state, unit.sub_state));
      JournalQuery query;
      query.unit = unit.id;
      query.max_lines = kJournalTail;
      Result<std::vector<JournalEntry>> entries = ReadUnitJournal(host, query, deadline);
      if (entries) {
        std::vector<std::string> lines;
        for (const JournalEntry& entry : *entries) lines.push_back(FormatJournalLine(entry));
        verdict.output += "\n" + JoinStrings(lines, "\n");
      } else {
        verdict.output += "\n(journal not readable: " + entries.error().ToString() + ")";
      }
    }
    auto [name, description] = UnitPrettyName(unit.id, unit.description);
    units.push_back({
        {"id", unit.id},
        {"name", name},
        {"description", description},
        {"load_state", unit.load_state},
        {"active_state", unit.active_state},
        {"sub_state", unit.sub_state},
        {"exec_main_status", unit.exec_main_status ? Facts(*unit.exec_main_status) : Facts()},
        {"active_enter_timestamp_monotonic", unit.active_enter_timestamp_monotonic},
        {"inactive_enter_timestamp_monotonic", unit.inactive_enter_timestamp_monotonic},
        {"health", verdict.health},
        {"output", verdict.output},
    });
  }
  Facts facts;
  if (units.empty()) {
    facts["detail"] = "no unit matches " + JoinStrings(requested);
  } else if (!unhealthy.empty()) {
    facts["detail"] = fmt::format("{} of {} unit{} unhealthy: {}", unhealthy.size(), units.size(),
                                  units.size() == 1 ? "" : "s", JoinStrings(unhealthy_states));
  } else {
    facts["detail"] = "";
  }
  facts["count"] = units.size();
  facts["all_healthy"] = !units.empty() && unhealthy.empty();
  facts["units"] = std::move(units);
  facts["unhealthy"] = std::move(unhealthy);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
