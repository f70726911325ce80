// The zookeeper probe: asks every ensemble member "srvr" and decides whether a quorum serves.
#include "checks/zookeeper.h"

#include <future>
#include <set>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "checks/net.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

SrvrReply ParseSrvr(std::string_view text) {
  SrvrReply reply;
  if (text.find("not currently serving requests") != std::string_view::npos) {
    reply.mode = "not serving";
    return reply;
  }
  for (const std::string_view line : SplitLines(text)) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string_view value = Trim(line.substr(colon + 1));
    if (key == "Mode") {
      reply.mode = ToLower(value);
    } else if (key == "Zxid") {
      reply.zxid = std::string(value);
    } else if (key == "Node count") {
      reply.node_count = ParseInt64(value).value_or(-1);
    }
  }
  reply.serving = reply.mode == "leader" || reply.mode == "follower" ||
                  reply.mode == "standalone" || reply.mode == "observer";
  return reply;
}

bool IsNotWhitelisted(std::string_view text) {
  return text.find("is not executed because it is not in the whitelist") != std::string_view::npos;
}

std::optional<std::string> MntrValue(std::string_view text, std::string_view key) {
  for (const std::string_view line : SplitLines(text)) {
    const std::vector<std::string_view> fields = SplitFields(line, "\t");
    if (fields.size() >= 2 && Trim(fields[0]) == key) return std::string(Trim(fields[1]));
  }
  return std::nullopt;
}

namespace {

constexpr size_t kMaxReply = 64 * 1024;

ProbeDescriptor Descriptor() {
  return {
      .name = "zookeeper",
      .summary =
          "Mode of every ZooKeeper ensemble member (four-letter word srvr) and whether a "
          "quorum serves.",
      .params = {{"servers", ParamType::kStringList, true, nullptr,
                  "ensemble members as \"host\" or \"host:port\""},
                 {"port", ParamType::kInteger, false, 2181,
                  "client port of members given without one"}},
      .facts =
          {{"servers", FactType::ListOf(FactKind::kMap),
            "per member: address (\"host:port\"), mode (leader, follower, standalone, observer, "
            "not serving, unreachable, unknown), serving (bool), zxid (string), error (string, "
            "\"\" when serving)"},
           {"ensemble_size", FactType::Int(), "number of distinct members asked"},
           {"serving_count", FactType::Int(), "members that serve requests"},
           {"leader", FactType::String(), "address of the leader, \"\" when there is none"},
           {"quorum", FactType::Bool(),
            "a leader exists and a majority serves, or a single member runs standalone"},
           {"not_serving", FactType::ListOf(FactKind::kString),
            "members that do not serve, with the reason: \"127.0.0.11:2181 (connection refused)\""},
           {"synced_followers", FactType::Int(),
            "zk_synced_followers of the leader's mntr; null without a leader or an answer"},
           {"detail", FactType::String(), "one-line summary for messages"}},
      .default_timeout = Milliseconds(5000),
  };
}

struct Member {
  std::string address;
  std::string mode;
  bool serving = false;
  std::string zxid;
  std::string error;
  Status failure;  // set when we could not look at all (not a fact)
};

// "connect to h:p: Connection refused" → "connection refused".
std::string ShortReason(const Status& status) {
  if (status.IsTimeout()) return "timed out";
  const std::string& message = status.message();
  const size_t colon = message.rfind(": ");
  return ToLower(colon == std::string::npos ? message : message.substr(colon + 2));
}

Member Ask(const HostPort& server, Deadline deadline) {
  Member member;
  member.address = FormatHostPort(server.host, server.port);
  Result<std::string> reply = TcpExchange(server.host, server.port, "srvr", deadline, kMaxReply);
  if (!reply) {
    const ErrorCode code = reply.error().code();
    if (code != ErrorCode::kUnavailable && code != ErrorCode::kTimeout &&
        code != ErrorCode::kNotFound) {
      member.failure = reply.error();
    }
    member.mode = "unreachable";
    member.error = ShortReason(reply.error());
    return member;
  }
  const SrvrReply parsed = ParseSrvr(*reply);
  member.zxid = parsed.zxid;
  member.serving = parsed.serving;
  if (IsNotWhitelisted(*reply)) {
    member.mode = "unknown";
    member.error = std::string(Trim(*reply));
  } else if (parsed.mode.empty()) {
    member.mode = "unknown";
    const std::vector<std::string_view> lines = SplitLines(*reply);
    member.error = lines.empty() ? "empty reply to srvr"
                                 : fmt::format("unexpected reply to srvr: {}", Trim(lines[0]));
  } else {
    member.mode = parsed.mode;
    if (parsed.mode == "not serving") member.error = "not serving requests";
    if (!parsed.serving && member.error.empty()) member.error = "mode " + parsed.mode;
  }
  return member;
}

Result<Facts> Probe(const Params& params, const HostContext&, Deadline deadline) {
  const int64_t default_port = params["port"].get<int64_t>();
  if (default_port < 1 || default_port > 65535) {
    return Status::InvalidArgument(
        fmt::format("parameter 'port' is {}, expected 1-65535", default_port));
  }
  std::vector<HostPort> servers;
  std::set<std::string> seen;
  for (const auto& entry : params["servers"]) {
    Result<HostPort> server =
        ParseHostPort(entry.get<std::string>(), static_cast<int>(default_port));
    if (!server) return server.error().WithContext("parameter 'servers'");
    if (seen.insert(FormatHostPort(server->host, server->port)).second) {
      servers.push_back(*server);
    }
  }
  if (servers.empty()) return Status::InvalidArgument("parameter 'servers' is empty");

  // One black-holed member must not use up the others' time, so all are asked at once.
  std::vector<std::future<Member>> pending;
  std::vector<Member> members(servers.size());
  for (size_t i = 0; i < servers.size(); ++i) {
    try {
      pending.push_back(std::async(std::launch::async, Ask, servers[i], deadline));
    } catch (const std::system_error&) {
      pending.push_back({});  // no thread to spare: ask this one inline below
    }
  }
  for (size_t i = 0; i < servers.size(); ++i) {
    members[i] = pending[i].valid() ? pending[i].get() : Ask(servers[i], deadline);
  }
  for (const Member& member : members) {
    if (!member.failure.ok()) return member.failure;
  }

  Facts facts;
  facts["servers"] = nlohmann::json::array();
  facts["not_serving"] = nlohmann::json::array();
  int serving_count = 0;
  const HostPort* leader = nullptr;
  std::string leader_address;
  std::vector<std::string> not_serving;
  for (size_t i = 0; i < members.size(); ++i) {
    const Member& member = members[i];
    facts["servers"].push_back({{"address", member.address},
                                {"mode", member.mode},
                                {"serving", member.serving},
                                {"zxid", member.zxid},
                                {"error", member.error}});
    if (member.serving) {
      ++serving_count;
    } else {
      not_serving.push_back(fmt::format("{} ({})", member.address, member.error));
    }
    if (member.mode == "leader" && leader == nullptr) {
      leader = &servers[i];
      leader_address = member.address;
    }
  }
  const int size = static_cast<int>(members.size());
  const bool quorum = (leader != nullptr && serving_count > size / 2) ||
                      (size == 1 && members[0].mode == "standalone");
  facts["ensemble_size"] = size;
  facts["serving_count"] = serving_count;
  facts["leader"] = leader_address;
  facts["quorum"] = quorum;
  facts["not_serving"] = not_serving;

  facts["synced_followers"] = nullptr;
  if (leader != nullptr) {
    Result<std::string> mntr = TcpExchange(leader->host, leader->port, "mntr", deadline, kMaxReply);
    if (mntr) {
      if (auto value = MntrValue(*mntr, "zk_synced_followers")) {
        if (auto count = ParseInt64(*value)) facts["synced_followers"] = *count;
      }
    }
  }

  std::string detail;
  if (leader != nullptr) {
    detail = "leader " + leader_address;
  } else if (size == 1 && members[0].mode == "standalone") {
    detail = "standalone " + members[0].address;
  } else {
    detail = "no leader";
  }
  detail += fmt::format("; {} of {} serving", serving_count, size);
  if (!not_serving.empty())
    detail += fmt::format("; not serving: {}", fmt::join(not_serving, ", "));
  facts["detail"] = detail;
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
