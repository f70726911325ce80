// The node bundles a daemon makes on request (3DT's new API, §3.5): each bundle id is a
// directory <dir>/<id>/ holding state.json (0600, written atomically) and, once done, file.zip.
// A bundle is collected on a thread of the store by the collector the daemon gives it
// (collector/node_bundle.h through the CLI); its life is Started → Done or Failed, and Deleted
// after DELETE, whose state is kept so that the id stays taken and its file answers 410.
//
// Unlike 3DT, a bundle whose daemon stopped (or died) while it was collected is not left Started
// forever: Open marks it Failed with why, and a stop of the store stops the collection (the
// collector's stop token) and records it the same way. One bundle is collected at a time; a
// second request while one runs is refused (409) rather than queued without bound.
//
// Every call returns what the HTTP routes answer (server/bundle_api.h): the status code and the
// bundle's state or the error. Ids are checked first (IsValidBundleId): 400 for another.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/scoped_fd.h"
#include "checks/status.h"

namespace flightcheck::server {

// 3DT's status names, one table (bundle_store.cc).
enum class BundleStatus { kUnknown, kStarted, kInProgress, kDone, kCanceled, kDeleted, kFailed };
std::string_view BundleStatusName(BundleStatus status);

// A node's own bundle, or a cluster bundle a master coordinated (3DT §3.6); both kinds live in the
// same directory, so an id is unique across them, as in 3DT.
enum class BundleType { kLocal, kCluster };
std::string_view BundleTypeName(BundleType type);

// What a PUT of a cluster bundle asks for: 3DT's {"masters": true, "agents": true}.
struct BundleRequest {
  bool masters = true;
  bool agents = true;
};

struct BundleState {
  std::string id{};
  BundleType type = BundleType::kLocal;
  BundleStatus status = BundleStatus::kUnknown;
  std::string started_at{};  // RFC 3339; "" before
  std::string stopped_at{};
  uint64_t size = 0;  // of file.zip while it exists
  std::vector<std::string> errors{};
};
// 3DT's bundle JSON: {"id", "type": "Local" or "Cluster", "size", "status", "started_at",
// "stopped_at", "errors"} (size and errors omitted when empty, as 3DT).
nlohmann::json BundleStateJson(const BundleState& state);
// The other way, for a state another master answered; an error for what is not one.
Result<BundleState> ParseBundleStateJson(const nlohmann::json& json);

struct BundleReply {
  int code = 200;
  std::optional<BundleState> state{};  // 200 answers of one bundle
  std::vector<BundleState> list{};     // the list
  std::filesystem::path file{};        // GET .../file when done
  std::string error{};                 // otherwise: 3DT's {"code", "error"}
};

// Letters, digits, '-', '_' and '.', 1 to 128 of them, not beginning with '.': never a path.
bool IsValidBundleId(std::string_view id);

class BundleStore {
 public:
  // Writes the bundle to output (a zip, through a PendingFile: nothing is there unless it
  // returns OK); returns the errors to record (required sources that failed, nodes that sent no
  // part), or the bundle's own failure. It must return soon after stop is requested.
  using Collector = std::function<Result<std::vector<std::string>>(
      const std::filesystem::path& output, const BundleRequest& request, std::stop_token stop)>;

  // Creates dir (0700) if needed, locks it (Unavailable "bundle directory '<dir>' is in use by
  // another daemon; ..." while another store holds it) and marks bundles an earlier daemon left
  // unfinished as Failed.
  // cluster may be null: such a store makes node bundles only.
  static Result<std::unique_ptr<BundleStore>> Open(const std::filesystem::path& dir,
                                                   Collector local, Collector cluster = nullptr);
  ~BundleStore();  // stops the running collections and waits for them

  // PUT: 200, 400, 409, 507. One bundle of each type is collected at a time (a cluster bundle's
  // coordinator asks this node for its own part meanwhile); 404 for a cluster bundle of a store
  // without its collector.
  BundleReply Create(const std::string& id, BundleType type = BundleType::kLocal,
                     BundleRequest request = {});
  BundleReply List();                       // GET of the list: 200, 507
  BundleReply Get(const std::string& id);   // 200, 400, 404, 500
  BundleReply File(const std::string& id);  // 200 (file set), 400, 404 not done, 410, 500
  // DELETE: 200, 400, 404, 500. A bundle being collected is canceled: its collection is asked to
  // stop, its state is Canceled at once (and stays so, whatever the collector then returns), and
  // no file is kept. 3DT left such a bundle to finish; a cluster bundle's coordinator cancels the
  // parts it gave up on this way.
  BundleReply Delete(const std::string& id);

  // Waits until no bundle is being collected (tests, shutdown).
  void WaitIdle();

 private:
  BundleStore(std::filesystem::path dir, Collector local, Collector cluster);
  Result<BundleState> ReadState(const std::string& id) const;
  Status WriteState(const BundleState& state) const;
  void Collect(BundleState state, BundleRequest request, std::stop_token stop);

  std::filesystem::path dir_;
  std::array<Collector, 2> collectors_;  // by BundleType
  std::mutex mutex_;
  std::condition_variable idle_;
  std::array<std::string, 2> running_;  // the id being collected, by type; "" when none
  std::array<bool, 2> canceled_{};      // running_'s bundle was canceled by a DELETE
  std::array<std::jthread, 2> workers_;
  ScopedFd lock_;  // dir_/.lock, flock(2)ed for the store's life: one daemon per directory
};

}  // namespace flightcheck::server
