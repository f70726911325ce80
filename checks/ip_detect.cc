// The ip_detect probe: runs the cluster's ip-detect script and judges the address it prints.
#include "checks/ip_detect.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <optional>
#include <span>

#include <fmt/format.h>

#include "checks/file_io.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

struct Address {
  int family = AF_UNSPEC;
  std::array<unsigned char, 16> bytes{};
};

std::optional<Address> ToAddress(std::string_view text) {
  const std::string copy(text);
  Address address;
  if (::inet_pton(AF_INET, copy.c_str(), address.bytes.data()) == 1) {
    address.family = AF_INET;
    return address;
  }
  if (::inet_pton(AF_INET6, copy.c_str(), address.bytes.data()) == 1) {
    address.family = AF_INET6;
    return address;
  }
  return std::nullopt;
}

bool operator==(const Address& a, const Address& b) {
  return a.family == b.family && a.bytes == b.bytes;
}

}  // namespace

std::vector<std::string> ParseIpDetectOutput(std::string_view stdout_text) {
  std::vector<std::string> lines;
  for (std::string_view line : SplitLines(stdout_text)) {
    if (!Trim(line).empty()) lines.emplace_back(Trim(line));
  }
  return lines;
}

bool IsIpAddress(std::string_view text) { return ToAddress(text).has_value(); }

bool SameAddress(std::string_view a, std::string_view b) {
  const std::optional<Address> left = ToAddress(Trim(a));
  const std::optional<Address> right = ToAddress(Trim(b));
  if (left && right) return *left == *right;
  return Trim(a) == Trim(b);
}

bool RunsUnderShell(std::string_view head) {
  return !head.starts_with("#!") && !head.starts_with("\177ELF");
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "ip_detect",
      .summary = "Runs the ip-detect script and checks the address it prints.",
      .params = {{"script", ParamType::kString, true, nullptr, "host path of the ip-detect script"},
                 {"master_list", ParamType::kStringList, false, nlohmann::json::array(),
                  "the cluster's master addresses"},
                 {"expected", ParamType::kString, false, "",
                  "the address the script should print (the config's address for this host)"}},
      .facts = {{"ip", FactType::String(), "first non-blank line of the script's output, trimmed"},
                {"lines", FactType::Int(), "number of non-blank lines the script printed"},
                {"valid", FactType::Bool(),
                 "the script exited 0 and printed exactly one line, an IPv4 or IPv6 address"},
                {"on_local_interface", FactType::Bool(),
                 "the address is one of a local interface's, or in a loopback interface's prefix "
                 "(127.0.0.0/8); live host only, null otherwise"},
                {"in_master_list", FactType::Bool(), "the address is one of master_list"},
                {"matches_expected", FactType::Bool(),
                 "the address is the same address as expected (null when expected is empty)"},
                {"exit_code", FactType::Int(),
                 "exit status of the script, -1 when killed by a signal"},
                {"stderr", FactType::String(), "what the script wrote to stderr"},
                {"detail", FactType::String(),
                 "one-line summary for messages: what the script printed and what is wrong"}},
      .default_timeout = Milliseconds(10000),
  };
}

// The address bytes of a socket address of family (glibc gives netmasks the family of their
// address).
std::span<const unsigned char> AddressBytes(const sockaddr* socket_address, int family) {
  if (family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(socket_address);
    return {reinterpret_cast<const unsigned char*>(&in->sin_addr), sizeof in->sin_addr};
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(socket_address);
  return {reinterpret_cast<const unsigned char*>(&in6->sin6_addr), sizeof in6->sin6_addr};
}

// True when address is one of an interface's addresses, or inside the prefix of an address of a
// loopback interface: Linux makes that whole prefix local (127.0.0.1/8 on lo: 127.0.0.11 is this
// host's as much as 127.0.0.1, and can be bound and reached).
Result<bool> OnLocalInterface(const Address& address) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return Status::FromErrno("getifaddrs", errno);
  bool found = false;
  for (const ifaddrs* it = list; it != nullptr && !found; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != address.family) continue;
    const std::span<const unsigned char> bytes = AddressBytes(it->ifa_addr, address.family);
    const bool by_prefix = (it->ifa_flags & IFF_LOOPBACK) != 0 && it->ifa_netmask != nullptr;
    const std::span<const unsigned char> mask = by_prefix
                                                    ? AddressBytes(it->ifa_netmask, address.family)
                                                    : std::span<const unsigned char>();
    found = true;
    for (size_t i = 0; i < bytes.size() && found; ++i) {
      const unsigned char keep = by_prefix ? mask[i] : 0xff;
      found = (bytes[i] & keep) == (address.bytes[i] & keep);
    }
  }
  ::freeifaddrs(list);
  return found;
}

// RunsUnderShell for the file program. A file that cannot be read as a regular file is left to
// exec(2), which refuses it with its own error (a FIFO, say).
bool ProgramRunsUnderShell(const std::filesystem::path& program) {
  Result<ScopedFd> fd = OpenRegularFile(program, "ip-detect script");
  if (!fd) return false;
  char head[4];
  ssize_t n;
  while ((n = ::read(fd->get(), head, sizeof head)) < 0 && errno == EINTR) {
  }
  return n >= 0 && RunsUnderShell(std::string_view(head, static_cast<size_t>(n)));
}

// One line for the grouped fleet output: what the script printed and what is wrong with it.
std::string Summarize(const CommandResult& run, const std::vector<std::string>& lines,
                      const Facts& facts, const std::string& expected) {
  if (run.exit_code != 0) {
    const std::vector<std::string_view> errors = SplitLines(run.stderr_text);
    return fmt::format("exit {}{}{}", run.exit_code, errors.empty() ? "" : ": ",
                       errors.empty() ? std::string_view() : Trim(errors.front()));
  }
  if (lines.empty()) return "printed nothing";
  if (lines.size() > 1) {
    return fmt::format("printed {} lines: {}", lines.size(), JoinStrings(lines, ", "));
  }
  if (!facts["valid"].get<bool>()) return fmt::format("'{}' is not an IP address", lines.front());
  std::string detail = lines.front();
  if (facts["on_local_interface"] == false) detail += ", on no local interface";
  if (facts["matches_expected"] == false) {
    detail += fmt::format(", but the config lists {} for this host", expected);
  }
  return detail;
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline deadline) {
  const std::string script = params["script"].get<std::string>();
  if (script.empty()) return Status::InvalidArgument("parameter 'script' is empty");
  if (host.commands == nullptr) return Status::Internal("no command runner");
  // Resolved under the root: an image's script must not be swapped for the live host's by a link.
  Result<std::filesystem::path> program = host.LocalPath(script);
  if (!program) return program.error().WithContext(fmt::format("ip-detect script '{}'", script));
  std::vector<std::string> argv = {program->string()};
  if (ProgramRunsUnderShell(*program)) argv.insert(argv.begin(), "/bin/sh");
  Result<CommandResult> run = host.commands->Run(argv, deadline);
  if (!run) return run.error().WithContext(fmt::format("ip-detect script '{}'", script));

  const std::vector<std::string> lines = ParseIpDetectOutput(run->stdout_text);
  const std::string ip = lines.empty() ? std::string() : lines.front();
  const std::optional<Address> address = ToAddress(ip);
  Facts facts;
  facts["ip"] = ip;
  facts["lines"] = lines.size();
  facts["valid"] = run->exit_code == 0 && lines.size() == 1 && address.has_value();
  facts["exit_code"] = run->exit_code;
  facts["stderr"] = run->stderr_text;
  bool in_master_list = false;
  for (const auto& master : params["master_list"]) {
    if (!ip.empty() && SameAddress(ip, master.get<std::string>())) in_master_list = true;
  }
  facts["in_master_list"] = in_master_list;
  const std::string expected = params["expected"].get<std::string>();
  facts["matches_expected"] = nullptr;
  if (!expected.empty()) facts["matches_expected"] = !ip.empty() && SameAddress(ip, expected);
  facts["on_local_interface"] = nullptr;
  if (host.IsLiveRoot()) {
    if (!address) {
      facts["on_local_interface"] = false;
    } else {
      Result<bool> local = OnLocalInterface(*address);
      if (!local) return local.error();
      facts["on_local_interface"] = *local;
    }
  }
  facts["detail"] = Summarize(*run, lines, facts, expected);
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
