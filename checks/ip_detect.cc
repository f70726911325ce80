// The ip_detect probe: runs the cluster's ip-detect script and judges the address it prints.
#include "checks/ip_detect.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <array>
#include <cstring>
#include <optional>

#include <fmt/format.h>

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

std::string ParseIpDetectOutput(std::string_view stdout_text) {
  const std::vector<std::string_view> lines = SplitLines(stdout_text);
  return lines.empty() ? std::string() : std::string(Trim(lines[0]));
}

bool IsIpAddress(std::string_view text) { return ToAddress(text).has_value(); }

bool SameAddress(std::string_view a, std::string_view b) {
  const std::optional<Address> left = ToAddress(Trim(a));
  const std::optional<Address> right = ToAddress(Trim(b));
  if (left && right) return *left == *right;
  return Trim(a) == Trim(b);
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "ip_detect",
      .summary = "Runs the ip-detect script and checks the address it prints.",
      .params = {{"script", ParamType::kString, true, nullptr, "host path of the ip-detect script"},
                 {"master_list", ParamType::kStringList, false, nlohmann::json::array(),
                  "the cluster's master addresses"}},
      .facts = {{"ip", FactType::String(), "first line of the script's output, trimmed"},
                {"valid", FactType::Bool(),
                 "the script exited 0 and printed an IPv4 or IPv6 address"},
                {"on_local_interface", FactType::Bool(),
                 "the address belongs to a local interface (live host only; null otherwise)"},
                {"in_master_list", FactType::Bool(), "the address is one of master_list"},
                {"exit_code", FactType::Int(),
                 "exit status of the script, -1 when killed by a signal"},
                {"stderr", FactType::String(), "what the script wrote to stderr"}},
      .default_timeout = Milliseconds(10000),
  };
}

Result<bool> OnLocalInterface(const Address& address) {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return Status::FromErrno("getifaddrs", errno);
  bool found = false;
  for (const ifaddrs* it = list; it != nullptr && !found; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != address.family) continue;
    if (address.family == AF_INET) {
      const auto* in = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      found = std::memcmp(&in->sin_addr, address.bytes.data(), sizeof in->sin_addr) == 0;
    } else {
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(it->ifa_addr);
      found = std::memcmp(&in6->sin6_addr, address.bytes.data(), sizeof in6->sin6_addr) == 0;
    }
  }
  ::freeifaddrs(list);
  return found;
}

Result<Facts> Probe(const Params& params, const HostContext& host, Deadline deadline) {
  const std::string script = params["script"].get<std::string>();
  if (script.empty()) return Status::InvalidArgument("parameter 'script' is empty");
  if (host.commands == nullptr) return Status::Internal("no command runner");
  // Resolved under the root: an image's script must not be swapped for the live host's by a link.
  Result<std::filesystem::path> program = host.LocalPath(script);
  if (!program) return program.error().WithContext(fmt::format("ip-detect script '{}'", script));
  Result<CommandResult> run = host.commands->Run({program->string()}, deadline);
  if (!run) return run.error().WithContext(fmt::format("ip-detect script '{}'", script));

  const std::string ip = ParseIpDetectOutput(run->stdout_text);
  const std::optional<Address> address = ToAddress(ip);
  Facts facts;
  facts["ip"] = ip;
  facts["valid"] = run->exit_code == 0 && address.has_value();
  facts["exit_code"] = run->exit_code;
  facts["stderr"] = run->stderr_text;
  bool in_master_list = false;
  for (const auto& master : params["master_list"]) {
    if (!ip.empty() && SameAddress(ip, master.get<std::string>())) in_master_list = true;
  }
  facts["in_master_list"] = in_master_list;
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
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
