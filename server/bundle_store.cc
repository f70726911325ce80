#include "server/bundle_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "runner/report.h"

namespace flightcheck::server {
namespace {

namespace fs = std::filesystem;

struct StatusInfo {
  BundleStatus status;
  std::string_view name;
};
constexpr std::array<StatusInfo, 7> kStatuses = {{
    {BundleStatus::kUnknown, "Unknown"},
    {BundleStatus::kStarted, "Started"},
    {BundleStatus::kInProgress, "InProgress"},
    {BundleStatus::kDone, "Done"},
    {BundleStatus::kCanceled, "Canceled"},
    {BundleStatus::kDeleted, "Deleted"},
    {BundleStatus::kFailed, "Failed"},
}};

struct TypeInfo {
  BundleType type;
  std::string_view name;
};
constexpr std::array<TypeInfo, 2> kTypes = {{
    {BundleType::kLocal, "Local"},
    {BundleType::kCluster, "Cluster"},
}};

size_t Slot(BundleType type) { return type == BundleType::kLocal ? 0 : 1; }

BundleStatus ParseStatus(std::string_view name) {
  for (const StatusInfo& info : kStatuses) {
    if (info.name == name) return info.status;
  }
  return BundleStatus::kUnknown;
}

BundleReply Error(int code, std::string message) {
  BundleReply reply;
  reply.code = code;
  reply.error = std::move(message);
  return reply;
}

BundleReply One(BundleState state) {
  BundleReply reply;
  reply.state = std::move(state);
  return reply;
}

constexpr size_t kMaxStateBytes = 1 << 20;

}  // namespace

std::string_view BundleStatusName(BundleStatus status) {
  for (const StatusInfo& info : kStatuses) {
    if (info.status == status) return info.name;
  }
  return "Unknown";
}

std::string_view BundleTypeName(BundleType type) { return kTypes[Slot(type)].name; }

nlohmann::json BundleStateJson(const BundleState& state) {
  nlohmann::json json = {
      {"id", state.id},
      {"type", BundleTypeName(state.type)},
      {"status", BundleStatusName(state.status)},
      {"started_at", state.started_at.empty() ? "0001-01-01T00:00:00Z" : state.started_at},
      {"stopped_at", state.stopped_at.empty() ? "0001-01-01T00:00:00Z" : state.stopped_at}};
  if (state.size > 0) json["size"] = state.size;
  if (!state.errors.empty()) json["errors"] = state.errors;
  return json;
}

Result<BundleState> ParseBundleStateJson(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return Status::ParseError("not a bundle state (no \"status\")");
  }
  const auto text_of = [&json](const char* key) {
    return json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : "";
  };
  BundleState state;
  state.id = text_of("id");
  state.status = ParseStatus(json["status"].get<std::string>());
  for (const TypeInfo& info : kTypes) {
    if (info.name == text_of("type")) state.type = info.type;
  }
  state.started_at = text_of("started_at");
  state.stopped_at = text_of("stopped_at");
  if (json.contains("size") && json["size"].is_number_unsigned()) {
    state.size = json["size"].get<uint64_t>();
  }
  if (json.contains("errors") && json["errors"].is_array()) {
    for (const nlohmann::json& error : json["errors"]) {
      if (error.is_string()) state.errors.push_back(error.get<std::string>());
    }
  }
  return state;
}

bool IsValidBundleId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

Result<std::unique_ptr<BundleStore>> BundleStore::Open(const fs::path& dir, Collector local,
                                                       Collector cluster) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Status::Unavailable(fmt::format("bundle directory '{}': {}", dir.string(),
                                           ec ? ec.message() : "not a directory"));
  }
  ::chmod(dir.c_str(), 0700);
  // One daemon per directory: two would take the same ids and, starting, mark each other's
  // bundles Failed.
  Result<FileLock> lock = TryLockFile(dir / ".lock", 0600);
  if (!lock) return lock.error();
  if (lock->held_elsewhere) {
    return Status::Unavailable(
        fmt::format("bundle directory '{}' is in use by another daemon; give each daemon its own "
                    "directory",
                    dir.string()));
  }
  std::unique_ptr<BundleStore> store(new BundleStore(dir, std::move(local), std::move(cluster)));
  store->lock_ = std::move(lock->fd);
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_directory(ec)) continue;
    Result<BundleState> state = store->ReadState(entry.path().filename().string());
    if (!state) continue;
    if (state->status == BundleStatus::kStarted || state->status == BundleStatus::kInProgress) {
      state->status = BundleStatus::kFailed;
      state->stopped_at = NowRfc3339();
      state->errors.push_back("the daemon stopped while this bundle was being collected");
      (void)store->WriteState(*state);
    }
  }
  return store;
}

BundleStore::BundleStore(fs::path dir, Collector local, Collector cluster)
    : dir_(std::move(dir)), collectors_{std::move(local), std::move(cluster)} {}

BundleStore::~BundleStore() {
  // Both stop at once: a cluster collection may be waiting for this node's own part.
  for (std::jthread& worker : workers_) worker.request_stop();
  for (std::jthread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

Result<BundleState> BundleStore::ReadState(const std::string& id) const {
  Result<std::string> text = ReadWholeFile(dir_ / id / "state.json", kMaxStateBytes);
  if (!text) return text.error();
  const nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  Result<BundleState> parsed = ParseBundleStateJson(json);
  if (!parsed) {
    return Status::ParseError(fmt::format("bundle {}: state.json is not a bundle state", id));
  }
  BundleState state = std::move(*parsed);
  state.id = id;
  std::error_code ec;
  const uintmax_t size = fs::file_size(dir_ / id / "file.zip", ec);
  state.size = ec ? 0 : size;
  return state;
}

Status BundleStore::WriteState(const BundleState& state) const {
  nlohmann::json json = BundleStateJson(state);
  json.erase("size");  // of the file, whenever it is asked
  return WriteFileAtomically(dir_ / state.id / "state.json", json.dump(2) + "\n", 0600);
}

BundleReply BundleStore::Create(const std::string& id, BundleType type, BundleRequest request) {
  if (!IsValidBundleId(id)) return Error(400, fmt::format("invalid bundle id '{}'", id));
  const size_t slot = Slot(type);
  if (!collectors_[slot]) {
    return Error(404, fmt::format("this daemon makes no {} bundles", BundleTypeName(type)));
  }
  std::unique_lock lock(mutex_);
  const fs::path dir = dir_ / id;
  std::error_code ec;
  if (fs::exists(dir, ec)) return Error(409, fmt::format("bundle {} already exists", id));
  if (!running_[slot].empty()) {
    return Error(409,
                 fmt::format("bundle {} is being collected; one bundle at a time", running_[slot]));
  }
  if (!fs::create_directory(dir, ec)) {
    // Made meanwhile (another daemon on the same directory): the id is taken, as above.
    if (!ec) return Error(409, fmt::format("bundle {} already exists", id));
    return Error(507, fmt::format("cannot create bundle {}: {}", id, ec.message()));
  }
  ::chmod(dir.c_str(), 0700);
  BundleState state{
      .id = id, .type = type, .status = BundleStatus::kStarted, .started_at = NowRfc3339()};
  if (Status written = WriteState(state); !written.ok()) {
    fs::remove_all(dir, ec);
    return Error(507, fmt::format("cannot create bundle {}: {}", id, written.message()));
  }
  running_[slot] = id;
  if (workers_[slot].joinable()) workers_[slot].join();  // the previous one, finished
  workers_[slot] =
      std::jthread([this, state, request](std::stop_token stop) { Collect(state, request, stop); });
  return One(state);
}

void BundleStore::Collect(BundleState state, BundleRequest request, std::stop_token stop) {
  const size_t slot = Slot(state.type);
  Result<std::vector<std::string>> errors =
      collectors_[slot](dir_ / state.id / "file.zip", request, stop);
  state.stopped_at = NowRfc3339();
  // A bundle the collector committed is done, even if the stop came just after.
  if (!errors) {
    state.status = BundleStatus::kFailed;
    state.errors.push_back(stop.stop_requested()
                               ? "the daemon stopped while this bundle was being collected"
                               : errors.error().message());
  } else {
    state.status = BundleStatus::kDone;
    state.errors = std::move(*errors);
  }
  std::lock_guard lock(mutex_);
  if (canceled_[slot]) {
    // Delete wrote the Canceled state; a file committed just before the stop goes too.
    std::error_code ec;
    fs::remove(dir_ / state.id / "file.zip", ec);
  } else {
    (void)WriteState(state);
  }
  canceled_[slot] = false;
  running_[slot].clear();
  idle_.notify_all();
}

void BundleStore::WaitIdle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return running_[0].empty() && running_[1].empty(); });
}

BundleReply BundleStore::List() {
  std::error_code ec;
  BundleReply reply;
  fs::directory_iterator it(dir_, ec);
  if (ec) return Error(507, fmt::format("cannot list '{}': {}", dir_.string(), ec.message()));
  std::vector<std::string> ids;
  for (const fs::directory_entry& entry : it) {
    if (entry.is_directory(ec) && IsValidBundleId(entry.path().filename().string())) {
      ids.push_back(entry.path().filename().string());
    }
  }
  std::sort(ids.begin(), ids.end());
  for (const std::string& id : ids) {
    Result<BundleState> state = ReadState(id);
    if (state) {
      reply.list.push_back(std::move(*state));
    } else {
      reply.list.push_back({.id = id, .errors = {state.error().message()}});
    }
  }
  return reply;
}

BundleReply BundleStore::Get(const std::string& id) {
  if (!IsValidBundleId(id)) return Error(400, fmt::format("invalid bundle id '{}'", id));
  std::error_code ec;
  if (!fs::is_directory(dir_ / id, ec)) return Error(404, fmt::format("bundle {} not found", id));
  Result<BundleState> state = ReadState(id);
  if (!state) return Error(500, state.error().message());
  if (state->status == BundleStatus::kDone && !fs::exists(dir_ / id / "file.zip", ec)) {
    return Error(500, fmt::format("bundle {} is done but its file is missing", id));
  }
  return One(std::move(*state));
}

BundleReply BundleStore::File(const std::string& id) {
  BundleReply got = Get(id);
  if (got.code != 200) return got;
  switch (got.state->status) {
    case BundleStatus::kDone: {
      BundleReply reply;
      reply.file = dir_ / id / "file.zip";
      reply.state = got.state;
      return reply;
    }
    case BundleStatus::kDeleted:
    case BundleStatus::kCanceled:
    case BundleStatus::kFailed:
      return Error(410, fmt::format("bundle {} was {}", id, BundleStatusName(got.state->status)));
    default:
      return Error(404, fmt::format("bundle {} is not done yet (status {})", id,
                                    BundleStatusName(got.state->status)));
  }
}

BundleReply BundleStore::Delete(const std::string& id) {
  if (!IsValidBundleId(id)) return Error(400, fmt::format("invalid bundle id '{}'", id));
  std::lock_guard lock(mutex_);
  for (size_t slot = 0; slot < running_.size(); ++slot) {
    if (running_[slot] != id || canceled_[slot]) continue;
    Result<BundleState> state = ReadState(id);
    if (!state) return Error(500, state.error().message());
    state->status = BundleStatus::kCanceled;
    state->stopped_at = NowRfc3339();
    state->errors.push_back("canceled by a DELETE while it was being collected");
    if (Status written = WriteState(*state); !written.ok()) return Error(500, written.message());
    canceled_[slot] = true;
    workers_[slot].request_stop();
    return One(std::move(*state));
  }
  BundleReply got = Get(id);
  if (got.code != 200) return got;
  BundleState state = std::move(*got.state);
  if (state.status == BundleStatus::kDeleted || state.status == BundleStatus::kCanceled) {
    return One(std::move(state));
  }
  std::error_code ec;
  fs::remove(dir_ / id / "file.zip", ec);
  if (ec) return Error(500, fmt::format("cannot delete bundle {}: {}", id, ec.message()));
  state.status = BundleStatus::kDeleted;
  state.size = 0;
  if (Status written = WriteState(state); !written.ok()) return Error(500, written.message());
  return One(std::move(state));
}

}  // namespace flightcheck::server
