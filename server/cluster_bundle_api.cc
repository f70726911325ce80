#include "server/cluster_bundle_api.h"

#include <unistd.h>

#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/file_io.h"
#include "checks/scoped_fd.h"
#include "server/bundle_api.h"

namespace flightcheck::server {
namespace {

constexpr char kJson[] = "application/json";
constexpr size_t kMaxRequestBody = 4096;

// What one master answered to one call, or why it could not be asked.
struct MasterAnswer {
  bool reached = false;
  int status = 0;
  std::string body{};
  std::string problem{};  // when not reached
};

MasterAnswer Ask(const NodeTarget& master, const PollOptions& client_options,
                 const std::string& method, const std::string& path) {
  std::unique_ptr<httplib::Client> client = NodeClient(master, client_options);
  const httplib::Headers headers = NodeHeaders(client_options);
  const httplib::Result answer =
      method == "DELETE" ? client->Delete(path, headers) : client->Get(path, headers);
  if (!answer) {
    return {.problem = fmt::format("cannot ask master {}: {}", NodeBaseUrl(master, client_options),
                                   httplib::to_string(answer.error()))};
  }
  return {.reached = true, .status = answer->status, .body = answer->body};
}

void Error(int code, const std::string& message, httplib::Response& res) {
  AnswerBundleReply({.code = code, .error = message}, res);
}

// Another master's answer, as it gave it.
void PassOn(const MasterAnswer& answer, httplib::Response& res) {
  res.status = answer.status;
  res.set_content(answer.body, kJson);
}

std::string NodePath(const std::string& id) { return fmt::format("{}/{}", kNodeBundlePath, id); }

class ClusterRoutes {
 public:
  ClusterRoutes(BundleStore& store, ClusterBundleApiOptions options)
      : store_(store), options_(std::move(options)) {}

  void Create(const std::string& id, const std::string& body, httplib::Response& res) const {
    if (!IsValidBundleId(id)) return Error(400, fmt::format("invalid bundle id '{}'", id), res);
    Result<BundleRequest> request = ParseClusterBundleRequest(body);
    if (!request) return Error(400, request.error().message(), res);
    // The id must be new on every master: each one's GET would answer with its own.
    for (const NodeTarget& master : Masters()) {
      const MasterAnswer answer = Ask(master, options_.client, "GET", NodePath(id));
      if (answer.reached && answer.status == 200) {
        return Error(409, fmt::format("bundle {} already exists on master {}", id, master.ip), res);
      }
    }
    AnswerBundleReply(store_.Create(id, BundleType::kCluster, *request), res);
  }

  void List(httplib::Response& res) const {
    BundleReply reply = store_.List();
    if (reply.code != 200) return AnswerBundleReply(reply, res);
    for (const NodeTarget& master : Masters()) {
      const MasterAnswer answer = Ask(master, options_.client, "GET", kNodeBundlePath);
      const nlohmann::json list =
          answer.reached ? nlohmann::json::parse(answer.body, nullptr, false) : nlohmann::json();
      if (!answer.reached || answer.status != 200 || !list.is_array()) {
        return Error(503,
                     fmt::format("cannot list the bundles of every master: {}",
                                 answer.reached ? fmt::format("master {} answered HTTP {}",
                                                              master.ip, answer.status)
                                                : answer.problem),
                     res);
      }
      for (const nlohmann::json& item : list) {
        if (Result<BundleState> state = ParseBundleStateJson(item)) {
          reply.list.push_back(std::move(*state));
        }
      }
    }
    AnswerBundleReply(reply, res);
  }

  void Get(const std::string& id, httplib::Response& res) const {
    const BundleReply local = store_.Get(id);
    if (local.code != 404) return AnswerBundleReply(local, res);
    if (const std::optional<Found> found = FindElsewhere(id, res)) PassOn(*found, res);
  }

  void File(const std::string& id, httplib::Response& res) const {
    const BundleReply local = store_.Get(id);
    if (local.code != 404) {
      const BundleReply file = store_.File(id);
      if (file.code != 200) return AnswerBundleReply(file, res);
      Result<ScopedFd> opened = OpenRegularFile(file.file, "the bundle");
      if (!opened) return Error(500, opened.error().message(), res);
      return SendBundleFile(std::move(*opened), file.state->size, id, res);
    }
    const std::optional<Found> found = FindElsewhere(id, res);
    if (!found) return;
    if (found->status != 200) return PassOn(*found, res);
    Download(found->master, id, res);
  }

  void Delete(const std::string& id, httplib::Response& res) const {
    if (store_.Get(id).code != 404) return AnswerBundleReply(store_.Delete(id), res);
    std::vector<std::string> problems;
    for (const NodeTarget& master : Masters()) {
      const MasterAnswer answer = Ask(master, options_.client, "DELETE", NodePath(id));
      if (answer.reached && answer.status != 404) return PassOn(answer, res);
      if (!answer.reached) problems.push_back(answer.problem);
    }
    NotFound(id, problems, res);
  }

 private:
  struct Found : MasterAnswer {
    NodeTarget master;
  };

  std::vector<NodeTarget> Masters() const {
    return options_.other_masters ? options_.other_masters() : std::vector<NodeTarget>{};
  }

  // The first other master that knows id (its answer: 200 with the state, or 500); when none
  // does, the 404 or 503 is answered and nullopt returned.
  std::optional<Found> FindElsewhere(const std::string& id, httplib::Response& res) const {
    std::vector<std::string> problems;
    for (const NodeTarget& master : Masters()) {
      MasterAnswer answer = Ask(master, options_.client, "GET", NodePath(id));
      if (answer.reached && answer.status != 404) {
        Found found;
        static_cast<MasterAnswer&>(found) = std::move(answer);
        found.master = master;
        return found;
      }
      if (!answer.reached) problems.push_back(answer.problem);
    }
    NotFound(id, problems, res);
    return std::nullopt;
  }

  static void NotFound(const std::string& id, const std::vector<std::string>& problems,
                       httplib::Response& res) {
    if (problems.empty()) return Error(404, fmt::format("bundle {} not found", id), res);
    Error(503,
          fmt::format("bundle {} is not on the masters that answered; {}", id,
                      fmt::join(problems, "; ")),
          res);
  }

  // The zip from the master that holds it, spooled whole and then sent.
  void Download(const NodeTarget& master, const std::string& id, httplib::Response& res) const {
    Result<ScopedFd> spool = OpenUnnamedFile(options_.spool_dir);
    if (!spool) return Error(507, spool.error().message(), res);
    std::unique_ptr<httplib::Client> client = NodeClient(master, options_.client);
    uint64_t bytes = 0;
    std::string problem;
    const httplib::Result answer = client->Get(
        NodePath(id) + "/file", NodeHeaders(options_.client), [&](const char* data, size_t length) {
          bytes += length;
          if (bytes > options_.max_file_bytes) {
            problem = fmt::format("it is larger than {} bytes", options_.max_file_bytes);
            return false;
          }
          Status written =
              WriteAll(spool->get(), std::string_view(data, length), options_.spool_dir);
          if (!written.ok()) problem = written.message();
          return written.ok();
        });
    if (!problem.empty() || !answer) {
      return Error(502,
                   fmt::format("downloading bundle {} from master {}: {}", id, master.ip,
                               problem.empty() ? httplib::to_string(answer.error()) : problem),
                   res);
    }
    if (answer->status != 200) {
      // An error's body (small JSON) went to the spool too: read it back to pass it on.
      ::lseek(spool->get(), 0, SEEK_SET);
      Result<std::string> body = ReadOpenedFile(*spool, "the answer", kMaxRequestBody);
      res.status = answer->status;
      res.set_content(body ? *body : std::string(), kJson);
      return;
    }
    SendBundleFile(std::move(*spool), bytes, id, res);
  }

  BundleStore& store_;
  ClusterBundleApiOptions options_;
};

}  // namespace

Result<BundleRequest> ParseClusterBundleRequest(const std::string& body) {
  BundleRequest request;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return request;
  if (body.size() > kMaxRequestBody) {
    return Status::InvalidArgument(
        fmt::format("the body is larger than {} bytes; it is {{\"masters\": true, \"agents\": "
                    "true}} at most",
                    kMaxRequestBody));
  }
  const nlohmann::json json = nlohmann::json::parse(body, nullptr, false);
  if (!json.is_object()) {
    return Status::InvalidArgument(
        "the body must be a JSON object such as {\"masters\": true, \"agents\": false}");
  }
  for (const auto& [key, value] : json.items()) {
    bool* field = key == "masters" ? &request.masters : key == "agents" ? &request.agents : nullptr;
    if (field == nullptr) {
      return Status::InvalidArgument(
          fmt::format("unknown key '{}' in the body; it takes masters and agents", key));
    }
    if (!value.is_boolean()) {
      return Status::InvalidArgument(fmt::format("{} must be true or false", key));
    }
    *field = value.get<bool>();
  }
  if (!request.masters && !request.agents) {
    return Status::InvalidArgument(
        "masters and agents are both false: there is nothing to collect");
  }
  return request;
}

void RegisterClusterBundleApi(httplib::Server& server, BundleStore& store,
                              ClusterBundleApiOptions options) {
  auto routes = std::make_shared<ClusterRoutes>(store, std::move(options));
  const std::string base = kClusterBundlePath;
  server.Get(base + "/?",
             [routes](const httplib::Request&, httplib::Response& res) { routes->List(res); });
  server.Put(base + "/([^/]+)/?", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->Create(req.matches[1].str(), req.body, res);
  });
  server.Get(base + "/([^/]+)/?", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->Get(req.matches[1].str(), res);
  });
  server.Get(base + "/([^/]+)/file/?",
             [routes](const httplib::Request& req, httplib::Response& res) {
               routes->File(req.matches[1].str(), res);
             });
  server.Delete(base + "/([^/]+)/?", [routes](const httplib::Request& req, httplib::Response& res) {
    routes->Delete(req.matches[1].str(), res);
  });
}

}  // namespace flightcheck::server
