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

nlohmann::json BundleStateJson(const BundleState& state) {
  nlohmann::json json = {
      {"id", state.id},
      {"type", "Local"},
      {"status", BundleStatusName(state.status)},
      {"started_at", state.started_at.empty() ? "0001-01-01T00:00:00Z" : state.started_at},
      {"stopped_at", state.stopped_at.empty() ? "0001-01-01T00:00:00Z" : state.stopped_at}};
  if (state.size > 0) json["size"] = state.size;
  if (!state.errors.empty()) json["errors"] = state.errors;
  return json;
}

bool IsValidBundleId(std::string_view id) {
  if (id.empty() || id.size() > 128 || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

Result<std::unique_ptr<BundleStore>> BundleStore::Open(const fs::path& dir, Collector collector) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) {
    return Status::Unavailable(fmt::format("bundle directory '{}': {}", dir.string(),
                                           ec ? ec.message() : "not a directory"));
  }
  ::chmod(dir.c_str(), 0700);
  std::unique_ptr<BundleStore> store(new BundleStore(dir, std::move(collector)));
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

BundleStore::BundleStore(fs::path dir, Collector collector)
    : dir_(std::move(dir)), collector_(std::move(collector)) {}

BundleStore::~BundleStore() {
  if (worker_.joinable()) {
    worker_.request_stop();
    worker_.join();
  }
}

Result<BundleState> BundleStore::ReadState(const std::string& id) const {
  Result<std::string> text = ReadWholeFile(dir_ / id / "state.json", kMaxStateBytes);
  if (!text) return text.error();
  const nlohmann::json json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return Status::ParseError(fmt::format("bundle {}: state.json is not a bundle state", id));
  }
  BundleState state;
  state.id = id;
  state.status = ParseStatus(json["status"].get<std::string>());
  const auto text_of = [&json](const char* key) {
    return json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : "";
  };
  state.started_at = text_of("started_at");
  state.stopped_at = text_of("stopped_at");
  if (json.contains("errors") && json["errors"].is_array()) {
    for (const nlohmann::json& error : json["errors"]) {
      if (error.is_string()) state.errors.push_back(error.get<std::string>());
    }
  }
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

BundleReply BundleStore::Create(const std::string& id) {
  if (!IsValidBundleId(id)) return Error(400, fmt::format("invalid bundle id '{}'", id));
  std::unique_lock lock(mutex_);
  const fs::path dir = dir_ / id;
  std::error_code ec;
  if (fs::exists(dir, ec)) return Error(409, fmt::format("bundle {} already exists", id));
  if (!running_.empty()) {
    return Error(409, fmt::format("bundle {} is being collected; one bundle at a time", running_));
  }
  if (!fs::create_directory(dir, ec)) {
    // Made meanwhile (another daemon on the same directory): the id is taken, as above.
    if (!ec) return Error(409, fmt::format("bundle {} already exists", id));
    return Error(507, fmt::format("cannot create bundle {}: {}", id, ec.message()));
  }
  ::chmod(dir.c_str(), 0700);
  BundleState state{.id = id, .status = BundleStatus::kStarted, .started_at = NowRfc3339()};
  if (Status written = WriteState(state); !written.ok()) {
    fs::remove_all(dir, ec);
    return Error(507, fmt::format("cannot create bundle {}: {}", id, written.message()));
  }
  running_ = id;
  if (worker_.joinable()) worker_.join();  // the previous one, finished
  worker_ = std::jthread([this, state](std::stop_token stop) { Collect(state, stop); });
  return One(state);
}

void BundleStore::Collect(BundleState state, std::stop_token stop) {
  Result<std::vector<std::string>> errors = collector_(dir_ / state.id / "file.zip", stop);
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
  (void)WriteState(state);
  std::lock_guard lock(mutex_);
  running_.clear();
  idle_.notify_all();
}

void BundleStore::WaitIdle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return running_.empty(); });
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
  if (running_ == id) {
    return Error(409, fmt::format("bundle {} is being collected; delete it when it is done", id));
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
