// The dns probe: asks each resolver directly for one name and reports every resolver's answer.
//
// getaddrinfo would say only "resolved or not" through whichever resolver answered first; a
// preflight wants to know which configured resolver is dead or lies. So every resolver gets its
// own c-ares channel, and all are queried at once in one poll loop bounded by the deadline.
#include "checks/dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/time.h>

#include <algorithm>
#include <array>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "checks/net.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

std::vector<std::string> ParseResolvConf(std::string_view text) {
  std::vector<std::string> servers;
  for (const std::string_view line : SplitLines(text)) {
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#' || trimmed.front() == ';') continue;
    const std::vector<std::string_view> fields = SplitFields(trimmed);
    if (fields.size() >= 2 && fields[0] == "nameserver") servers.emplace_back(fields[1]);
  }
  return servers;
}

std::string DnsRcodeName(int rcode) {
  static constexpr std::array<const char*, 11> kNames = {
      "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE"};
  if (rcode >= 0 && static_cast<size_t>(rcode) < kNames.size()) return kNames[rcode];
  return fmt::format("RCODE{}", rcode);
}

namespace {

constexpr int kClassIn = 1;
constexpr int kTypeA = 1;
constexpr int kTypeAaaa = 28;
constexpr int kMaxAddresses = 64;

ProbeDescriptor Descriptor() {
  return {
      .name = "dns",
      .summary = "Asks every resolver directly for a name and reports each one's answer.",
      .params = {{"name", ParamType::kString, false, "localhost", "the name to look up"},
                 {"resolvers", ParamType::kStringList, false, nlohmann::json::array(),
                  "resolvers as \"ip\", \"ip:port\" or \"[v6]:port\"; empty means the "
                  "nameserver lines of /etc/resolv.conf"},
                 {"type", ParamType::kString, false, "A", "record type: A or AAAA"}},
      .facts =
          {{"name", FactType::String(), "the name looked up"},
           {"type", FactType::String(), "the record type asked for"},
           {"configured", FactType::Bool(),
            "at least one resolver was given or found in resolv.conf"},
           {"resolvers", FactType::ListOf(FactKind::kMap),
            "per resolver: address (\"ip:port\"), answered (bool), rcode (\"NOERROR\", "
            "\"NXDOMAIN\", \"SERVFAIL\", \"REFUSED\"..., \"\" without an answer), addresses "
            "(list of strings), latency (seconds), error (\"\" when answered, else \"timeout\", "
            "\"connection refused\"...)"},
           {"unanswered", FactType::ListOf(FactKind::kString),
            "addresses of the resolvers that gave no answer"},
           {"resolved", FactType::Bool(), "some resolver returned at least one address"},
           {"addresses", FactType::ListOf(FactKind::kString),
            "every address returned, sorted, unique"}},
      .default_timeout = Milliseconds(5000),
  };
}

struct ChannelDestroy {
  void operator()(ares_channel channel) const { ::ares_destroy(channel); }
};
using ChannelPtr = std::unique_ptr<std::remove_pointer_t<ares_channel>, ChannelDestroy>;

struct ResolverQuery {
  std::string address;  // "127.0.0.53:53", "[::1]:53"
  int type = kTypeA;
  SteadyClock::time_point start;
  bool done = false;
  bool answered = false;
  std::string rcode;
  std::vector<std::string> addresses;
  double latency = 0;
  std::string error;
  ChannelPtr channel;  // last: destroyed first, while the fields its callbacks write still live
};

std::vector<std::string> ParseAddresses(const unsigned char* abuf, int alen, int type) {
  std::vector<std::string> out;
  char text[INET6_ADDRSTRLEN] = {};
  if (type == kTypeA) {
    std::array<ares_addrttl, kMaxAddresses> ttls{};
    int count = kMaxAddresses;
    if (::ares_parse_a_reply(abuf, alen, nullptr, ttls.data(), &count) != ARES_SUCCESS) return out;
    for (int i = 0; i < count; ++i) {
      if (::inet_ntop(AF_INET, &ttls[i].ipaddr, text, sizeof text)) out.emplace_back(text);
    }
  } else {
    std::array<ares_addr6ttl, kMaxAddresses> ttls{};
    int count = kMaxAddresses;
    if (::ares_parse_aaaa_reply(abuf, alen, nullptr, ttls.data(), &count) != ARES_SUCCESS) {
      return out;
    }
    for (int i = 0; i < count; ++i) {
      if (::inet_ntop(AF_INET6, &ttls[i].ip6addr, text, sizeof text)) out.emplace_back(text);
    }
  }
  return out;
}

void OnAnswer(void* arg, int status, int /*timeouts*/, unsigned char* abuf, int alen) {
  auto* query = static_cast<ResolverQuery*>(arg);
  if (query->done) return;
  query->done = true;
  query->latency = std::chrono::duration<double>(SteadyClock::now() - query->start).count();
  // With ARES_FLAG_NOCHECKRESP every reply, REFUSED and SERVFAIL included, comes back with its
  // buffer, so the header's RCODE is the truth; the status alone folds several codes together.
  if (abuf != nullptr && alen >= 4) {
    const int rcode = abuf[3] & 0x0F;
    query->answered = true;
    query->rcode = DnsRcodeName(rcode);
    if (rcode == 0) query->addresses = ParseAddresses(abuf, alen, query->type);
    return;
  }
  switch (status) {
    case ARES_ENOTFOUND:
      query->answered = true;
      query->rcode = "NXDOMAIN";
      return;
    case ARES_ENODATA:
      query->answered = true;
      query->rcode = "NOERROR";
      return;
    case ARES_ESERVFAIL:
      query->answered = true;
      query->rcode = "SERVFAIL";
      return;
    case ARES_EREFUSED:
      query->answered = true;
      query->rcode = "REFUSED";
      return;
    case ARES_ETIMEOUT:
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      query->error = "timeout";
      return;
    case ARES_ECONNREFUSED:
      query->error = "connection refused";
      return;
    default:
      query->error = ::ares_strerror(status);
      return;
  }
}

Status InitAres() {
  // ares_library_init is not thread-safe; a function-local static runs it exactly once.
  static const int kInit = ::ares_library_init(ARES_LIB_INIT_ALL);
  if (kInit != ARES_SUCCESS) {
    return Status::Internal(fmt::format("ares_library_init: {}", ::ares_strerror(kInit)));
  }
  return Status::Ok();
}

Status OpenChannel(ResolverQuery& query, Deadline deadline) {
  // c-ares doubles the per-try timeout on each retry: two tries take three timeouts in all.
  constexpr int kTries = 2;
  const int64_t budget = std::max<int64_t>(deadline.remaining().count() / 3, 50);
  ares_options options{};
  options.timeout = static_cast<int>(std::min<int64_t>(budget, 60'000));
  options.tries = kTries;
  options.flags = ARES_FLAG_NOCHECKRESP;
  ares_channel raw = nullptr;
  const int rc =
      ::ares_init_options(&raw, &options, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS);
  if (rc != ARES_SUCCESS) {
    return Status::Internal(fmt::format("ares_init_options: {}", ::ares_strerror(rc)));
  }
  query.channel.reset(raw);
  const int set = ::ares_set_servers_ports_csv(raw, query.address.c_str());
  if (set != ARES_SUCCESS) {
    return Status::InvalidArgument(
        fmt::format("resolver '{}': {}", query.address, ::ares_strerror(set)));
  }
  return Status::Ok();
}

// Drives every channel until all queries ended or the deadline passed.
void RunQueries(std::vector<ResolverQuery>& queries, Deadline deadline) {
  struct Watched {
    size_t query;
    pollfd pfd;
  };
  for (;;) {
    std::vector<Watched> watched;
    Milliseconds wait = deadline.remaining();
    bool pending = false;
    for (size_t i = 0; i < queries.size(); ++i) {
      if (queries[i].done) continue;
      pending = true;
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      const int bits = ::ares_getsock(queries[i].channel.get(), socks, ARES_GETSOCK_MAXNUM);
      for (int s = 0; s < ARES_GETSOCK_MAXNUM; ++s) {
        short events = 0;
        if (ARES_GETSOCK_READABLE(bits, s)) events |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, s)) events |= POLLOUT;
        if (events != 0) watched.push_back({i, {.fd = socks[s], .events = events, .revents = 0}});
      }
      timeval max_tv{.tv_sec = wait.count() / 1000,
                     .tv_usec = static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
      timeval tv{};
      if (const timeval* next = ::ares_timeout(queries[i].channel.get(), &max_tv, &tv)) {
        wait = std::min(wait, Milliseconds(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000));
      }
    }
    if (!pending || deadline.expired()) break;

    std::vector<pollfd> pfds;
    for (const Watched& w : watched) pfds.push_back(w.pfd);
    const int n = ::poll(pfds.data(), pfds.size(), static_cast<int>(wait.count()));
    if (n < 0 && errno != EINTR) break;
    for (size_t k = 0; k < pfds.size(); ++k) {
      if (pfds[k].revents == 0) continue;
      // An ICMP "port unreachable" shows up as POLLERR; let c-ares read it and fail the query.
      const bool readable = (pfds[k].revents & (POLLIN | POLLERR | POLLHUP)) != 0;
      const bool writable = (pfds[k].revents & POLLOUT) != 0;
      ::ares_process_fd(queries[watched[k].query].channel.get(),
                        readable ? pfds[k].fd : ARES_SOCKET_BAD,
                        writable ? pfds[k].fd : ARES_SOCKET_BAD);
    }
    for (ResolverQuery& query : queries) {
      if (!query.done) ::ares_process_fd(query.channel.get(), ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    }
  }
  // Whatever is still pending ran out of time: cancelling calls back with ARES_ECANCELLED.
  for (ResolverQuery& query : queries) {
    if (!query.done) ::ares_cancel(query.channel.get());
  }
}

Result<std::string> CanonicalResolver(std::string_view text) {
  Result<HostPort> parsed = ParseHostPort(text, 53);
  if (!parsed) return parsed.error().WithContext("resolver");
  unsigned char buffer[sizeof(in6_addr)];
  if (::inet_pton(AF_INET, parsed->host.c_str(), buffer) != 1 &&
      ::inet_pton(AF_INET6, parsed->host.c_str(), buffer) != 1) {
    return Status::InvalidArgument(
        fmt::format("resolver '{}' is not an IPv4 or IPv6 address", text));
  }
  return FormatHostPort(parsed->host, parsed->port);
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline deadline) {
  const std::string name = params["name"].get<std::string>();
  if (name.empty()) return Status::InvalidArgument("parameter 'name' is empty");
  const std::string type = ToLower(params["type"].get<std::string>());
  if (type != "a" && type != "aaaa") {
    return Status::InvalidArgument(fmt::format("parameter 'type' is '{}', expected A or AAAA",
                                               params["type"].get<std::string>()));
  }
  const int qtype = type == "a" ? kTypeA : kTypeAaaa;

  std::vector<std::string> configured = params["resolvers"].get<std::vector<std::string>>();
  std::string source = "parameter 'resolvers'";
  if (configured.empty()) {
    source = "/etc/resolv.conf";
    Result<std::string> text = host.ReadFile("/etc/resolv.conf");
    if (text) {
      configured = ParseResolvConf(*text);
    } else if (!text.error().IsNotFound()) {
      return text.error();
    }
  }

  std::vector<ResolverQuery> queries;
  std::set<std::string> seen;
  for (const std::string& entry : configured) {
    Result<std::string> address = CanonicalResolver(entry);
    if (!address) return address.error().WithContext(source);
    if (!seen.insert(*address).second) continue;
    ResolverQuery query;
    query.address = *address;
    query.type = qtype;
    queries.push_back(std::move(query));
  }

  if (!queries.empty()) {
    Status init = InitAres();
    if (!init.ok()) return init;
  }
  for (ResolverQuery& query : queries) {
    Status opened = OpenChannel(query, deadline);
    if (!opened.ok()) return opened;
  }
  // Callbacks keep pointers into the vector: it must not reallocate from here on.
  for (ResolverQuery& query : queries) {
    query.start = SteadyClock::now();
    ::ares_query(query.channel.get(), name.c_str(), kClassIn, qtype, &OnAnswer, &query);
  }
  RunQueries(queries, deadline);

  Facts facts;
  facts["name"] = name;
  facts["type"] = type == "a" ? "A" : "AAAA";
  facts["configured"] = !queries.empty();
  facts["resolvers"] = nlohmann::json::array();
  facts["unanswered"] = nlohmann::json::array();
  std::set<std::string> all_addresses;
  for (const ResolverQuery& query : queries) {
    facts["resolvers"].push_back({{"address", query.address},
                                  {"answered", query.answered},
                                  {"rcode", query.rcode},
                                  {"addresses", query.addresses},
                                  {"latency", query.latency},
                                  {"error", query.answered ? "" : query.error}});
    if (!query.answered) facts["unanswered"].push_back(query.address);
    all_addresses.insert(query.addresses.begin(), query.addresses.end());
  }
  facts["resolved"] = !all_addresses.empty();
  facts["addresses"] = std::vector<std::string>(all_addresses.begin(), all_addresses.end());
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
