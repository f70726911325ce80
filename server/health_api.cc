#include "server/health_api.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <ctime>
#include <optional>
#include <set>

#include <fmt/format.h>

namespace flightcheck::server {
namespace {

constexpr char kJson[] = "application/json";

void NotFound(httplib::Response& res, const std::string& id) {
  res.status = 404;
  res.set_content(id + " not found\n", "text/plain");
}

void BadRequest(httplib::Response& res, const std::string& message) {
  res.status = 400;
  res.set_content(message + "\n", "text/plain");
}

std::string AnsiTime(double unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a %b %e %H:%M:%S %Y", &tm);
  return text;
}

int CheckStatus(RuleStatus status) {
  switch (status) {
    case RuleStatus::kPass:
      return 0;
    case RuleStatus::kWarn:
      return 1;
    case RuleStatus::kFail:
      return 2;
    default:
      return 3;
  }
}

std::optional<std::string> PresentedToken(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  if (header.rfind("Bearer ", 0) == 0) return header.substr(7);
  if (header.rfind("token=", 0) == 0) return header.substr(6);
  return std::nullopt;
}

// Ids in a path: each match is validated before it is looked up.
bool ValidIds(const httplib::Request& req, httplib::Response& res) {
  for (size_t i = 1; i < req.matches.size(); ++i) {
    if (!IsValidPathId(req.matches[i].str())) {
      BadRequest(res,
                 "invalid id in the path: unit names and node addresses only (letters, "
                 "digits and .-_@:, at most 255)");
      return false;
    }
  }
  return true;
}

class Routes {
 public:
  Routes(const HealthApiOptions& options, HealthApiHooks hooks)
      : options_(options), hooks_(std::move(hooks)) {}

  // Snapshot for a tree route: refreshed first when the query has `cache`, as 3DT does.
  std::shared_ptr<const HealthSnapshot> TreeSnapshot(const httplib::Request& req,
                                                     httplib::Response& res) {
    if (req.has_param("cache") && !hooks_.refresh(options_.refresh_timeout)) {
      res.status = 504;
      res.set_content(fmt::format("the refresh did not finish within {} s\n",
                                  options_.refresh_timeout.count() / 1000),
                      "text/plain");
      return nullptr;
    }
    std::shared_ptr<const HealthSnapshot> snapshot = hooks_.snapshot();
    if (snapshot->cluster_updated_unix > 0) {
      res.set_header("Last-Modified-3DT", AnsiTime(snapshot->cluster_updated_unix));
    }
    return snapshot;
  }

  using TreeBody =
      std::function<std::optional<nlohmann::json>(const ClusterHealth&, const httplib::Request&)>;
  // On a route with two ids, `first_exists` tells which of them the 404 names: the first when
  // the tree does not have it, else the second.
  using FirstIdExists = std::function<bool(const ClusterHealth&, const std::string&)>;

  void Tree(httplib::Server& server, const std::string& pattern, TreeBody body,
            bool download = false, FirstIdExists first_exists = nullptr) {
    server.Get(pattern, [this, body, download, first_exists](const httplib::Request& req,
                                                             httplib::Response& res) {
      if (!ValidIds(req, res)) return;
      std::shared_ptr<const HealthSnapshot> snapshot = TreeSnapshot(req, res);
      if (!snapshot) return;
      std::optional<nlohmann::json> json = body(snapshot->cluster, req);
      if (!json) {
        const bool first_missing =
            first_exists && !first_exists(snapshot->cluster, req.matches[1].str());
        return NotFound(res, req.matches[first_missing ? 1 : req.matches.size() - 1].str());
      }
      if (download) {
        res.set_header("Content-Disposition", "attachment; filename=health-report.json");
      }
      res.set_content(json->dump(), kJson);
    });
  }

  void CheckRunner(httplib::Server& server) {
    server.Get(R"(/system/checks/v1/([^/]+)/?)",
               [this](const httplib::Request& req, httplib::Response& res) {
                 const std::optional<CheckScope> scope = ScopeOf(req.matches[1].str(), res);
                 if (!scope) return;
                 std::set<std::string> wanted;
                 for (size_t i = 0; i < req.get_param_value_count("check"); ++i) {
                   wanted.insert(req.get_param_value("check", i));
                 }
                 nlohmann::json list = nlohmann::json::object();
                 for (const CheckRunnerCheck& check : hooks_.checks(*scope)) {
                   if (!wanted.empty() && !wanted.count(check.id)) continue;
                   list[check.id] = {{"description", check.description},
                                     {"cmd", nlohmann::json::array()},
                                     {"timeout", check.timeout}};
                 }
                 res.set_content(list.dump(2), kJson);
               });
    server.Post(R"(/system/checks/v1/([^/]+)/?)", [this](const httplib::Request& req,
                                                         httplib::Response& res) {
      const std::optional<CheckScope> scope = ScopeOf(req.matches[1].str(), res);
      if (!scope) return;
      std::vector<std::string> names;
      const std::string content_type = req.get_header_value("Content-Type");
      if (content_type.rfind("application/json", 0) == 0) {
        const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
        const auto checks = body.is_object() ? body.find("check") : body.end();
        if (body.is_discarded() || !body.is_object() ||
            (checks != body.end() && !checks->is_array())) {
          return BadRequest(res, R"(the body must be a JSON object {"check": ["<name>", ...]})");
        }
        if (checks != body.end()) {
          for (const nlohmann::json& name : *checks) {
            if (!name.is_string()) return BadRequest(res, "check names must be strings");
            names.push_back(name.get<std::string>());
          }
        }
      } else if (content_type.rfind("application/x-www-form-urlencoded", 0) == 0) {
        for (size_t i = 0; i < req.get_param_value_count("check"); ++i) {
          names.push_back(req.get_param_value("check", i));
        }
      } else if (!content_type.empty()) {
        res.status = 415;
        res.set_content("use application/json or application/x-www-form-urlencoded\n",
                        "text/plain");
        return;
      }
      const std::vector<CheckRunnerCheck> defined = hooks_.checks(*scope);
      if (defined.empty()) {
        // Nothing to run is not a success (status 3, unknown).
        res.set_content(
            nlohmann::json{{"status", 3},
                           {"checks", nlohmann::json::object()},
                           {"error", fmt::format("no {} checks are defined on this node",
                                                 req.matches[1].str())}}
                .dump(2),
            kJson);
        return;
      }
      std::set<std::string> known;
      for (const CheckRunnerCheck& check : defined) known.insert(check.id);
      std::vector<std::string> missing;
      for (const std::string& name : names) {
        if (!known.count(name)) missing.push_back(name);
      }
      if (!missing.empty()) {
        res.status = 404;
        res.set_content(fmt::format("missing checks: [{}]\n", fmt::join(missing, " ")),
                        "text/plain");
        return;
      }
      Result<Report> report = hooks_.run_checks(*scope, names);
      if (!report) {
        res.status = 500;
        res.set_content(report.error().ToString() + "\n", "text/plain");
        return;
      }
      res.set_content(CheckRunnerResult(*report).dump(2), kJson);
    });
  }

  bool Authorized(const httplib::Request& req) const {
    if (options_.token.empty() || req.path == "/healthz") return true;
    const std::optional<std::string> presented = PresentedToken(req);
    return presented && TokenMatches(*presented, options_.token);
  }

  std::shared_ptr<const HealthSnapshot> Snapshot() const { return hooks_.snapshot(); }

 private:
  static std::optional<CheckScope> ScopeOf(const std::string& type, httplib::Response& res) {
    if (type == "node") return CheckScope::kNode;
    if (type == "cluster") return CheckScope::kCluster;
    res.status = 404;
    res.set_content(fmt::format("unrecognized check type: {}\n",
                                IsValidPathId(type) ? type : std::string("(invalid)")),
                    "text/plain");
    return std::nullopt;
  }

  HealthApiOptions options_;
  HealthApiHooks hooks_;
};

}  // namespace

bool IsValidPathId(const std::string& id) {
  if (id.empty() || id.size() > 255 || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_' || c == '@' || c == ':';
  });
}

bool TokenMatches(const std::string& presented, const std::string& token) {
  // Equal lengths are compared in constant time; a length mismatch still does the comparison
  // (against the token itself), so the time does not say how long the token is.
  const bool same_length = presented.size() == token.size();
  const std::string& compared = same_length ? presented : token;
  const bool equal = CRYPTO_memcmp(compared.data(), token.data(), token.size()) == 0;
  return same_length && equal;
}

nlohmann::json CheckRunnerResult(const Report& report) {
  nlohmann::json checks = nlohmann::json::object();
  int status = report.results.empty() ? 3 : 0;
  for (const RuleResult& result : report.results) {
    const int check_status = CheckStatus(result.status);
    status = std::max(status, check_status);
    checks[result.id] = {{"output", result.message}, {"status", check_status}};
  }
  return {{"status", status}, {"checks", checks}};
}

void RegisterHealthApi(httplib::Server& server, const HealthApiOptions& options,
                       HealthApiHooks hooks) {
  auto routes = std::make_shared<Routes>(options, std::move(hooks));
  server.set_pre_routing_handler([routes](const httplib::Request& req, httplib::Response& res) {
    if (routes->Authorized(req)) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_header("WWW-Authenticate", "Bearer realm=\"flightcheck\"");
    res.set_content("401 Unauthorized: send Authorization: Bearer <token>\n", "text/plain");
    return httplib::Server::HandlerResponse::Handled;
  });
  const std::string base = "/system/health/v1";
  server.Get(base + "/?", [routes](const httplib::Request&, httplib::Response& res) {
    res.set_content(routes->Snapshot()->node_report, kJson);
  });
  using Json = std::optional<nlohmann::json>;
  routes->Tree(
      server, base + "/report/?",
      [](const ClusterHealth& tree, const httplib::Request&) -> Json { return tree.Report(); });
  routes->Tree(
      server, base + "/report/download/?",
      [](const ClusterHealth& tree, const httplib::Request&) -> Json { return tree.Report(); },
      /*download=*/true);
  routes->Tree(
      server, base + "/units/?",
      [](const ClusterHealth& tree, const httplib::Request&) -> Json { return tree.Units(); });
  routes->Tree(server, base + "/units/([^/]+)/?",
               [](const ClusterHealth& tree, const httplib::Request& req) {
                 return tree.Unit(req.matches[1].str());
               });
  routes->Tree(server, base + "/units/([^/]+)/nodes/?",
               [](const ClusterHealth& tree, const httplib::Request& req) {
                 return tree.UnitNodes(req.matches[1].str());
               });
  routes->Tree(
      server, base + "/units/([^/]+)/nodes/([^/]+)/?",
      [](const ClusterHealth& tree, const httplib::Request& req) {
        return tree.UnitOnNode(req.matches[1].str(), req.matches[2].str());
      },
      false,
      [](const ClusterHealth& tree, const std::string& unit) {
        return tree.Unit(unit).has_value();
      });
  routes->Tree(
      server, base + "/nodes/?",
      [](const ClusterHealth& tree, const httplib::Request&) -> Json { return tree.Nodes(); });
  routes->Tree(server, base + "/nodes/([^/]+)/?",
               [](const ClusterHealth& tree, const httplib::Request& req) {
                 return tree.Node(req.matches[1].str());
               });
  routes->Tree(server, base + "/nodes/([^/]+)/units/?",
               [](const ClusterHealth& tree, const httplib::Request& req) {
                 return tree.NodeUnits(req.matches[1].str());
               });
  routes->Tree(
      server, base + "/nodes/([^/]+)/units/([^/]+)/?",
      [](const ClusterHealth& tree, const httplib::Request& req) {
        return tree.NodeUnit(req.matches[1].str(), req.matches[2].str());
      },
      false,
      [](const ClusterHealth& tree, const std::string& ip) { return tree.Node(ip).has_value(); });
  server.Get("/healthz", [routes](const httplib::Request&, httplib::Response& res) {
    std::shared_ptr<const HealthSnapshot> snapshot = routes->Snapshot();
    res.status = snapshot->healthz_status;
    res.set_content(snapshot->healthz, kJson);
  });
  server.Get("/metrics", [routes](const httplib::Request&, httplib::Response& res) {
    res.set_content(routes->Snapshot()->metrics, "text/plain; version=0.0.4; charset=utf-8");
  });
  server.Get("/api/v1/results", [routes](const httplib::Request&, httplib::Response& res) {
    res.set_content(routes->Snapshot()->results, kJson);
  });
  routes->CheckRunner(server);
  auto not_allowed = [](const httplib::Request&, httplib::Response& res) {
    res.status = 405;
    res.set_header("Allow", "GET, HEAD");
    res.set_content(
        "405 Method Not Allowed: this API is read-only (GET) but for POST "
        "/system/checks/v1/node/ and, with --bundle-dir, PUT and DELETE of "
        "/system/health/v1/node/diagnostics/<id>\n",
        "text/plain");
  };
  server.Post(".*", not_allowed);
  server.Put(".*", not_allowed);
  server.Delete(".*", not_allowed);
  server.Patch(".*", not_allowed);
  server.Options(".*", not_allowed);
}

}  // namespace flightcheck::server
