// libFuzzer harness for the pure parsers of checks/ (the /proc, /sys and /etc files probes read
// under --root, and the replies of daemons). The first byte picks the parser: 'a' + its index in
// kParsers below (any other byte: byte % the number of parsers); the rest is the file. Parsers
// that look a name up take it from the first line and read the rest as the file. A few results
// are checked for properties that must always hold. docs/fuzzing.md.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/clock.h"
#include "checks/disk.h"
#include "checks/dns.h"
#include "checks/docker.h"
#include "checks/file.h"
#include "checks/group.h"
#include "checks/host.h"
#include "checks/ip_detect.h"
#include "checks/kernel_module.h"
#include "checks/net.h"
#include "checks/os.h"
#include "checks/ports.h"
#include "checks/selinux.h"
#include "checks/sysctl.h"
#include "checks/text.h"
#include "checks/user.h"
#include "checks/zookeeper.h"

namespace flightcheck {
namespace {

// The first line (a name to look up) and the rest (the file).
std::pair<std::string_view, std::string_view> SplitFirstLine(std::string_view text) {
  const size_t newline = text.find('\n');
  if (newline == std::string_view::npos) return {text, {}};
  return {text.substr(0, newline), text.substr(newline + 1)};
}

// What LookupAccount (checks/account_lookup.h) lets through to the account file parsers.
bool IsAccountName(std::string_view name) {
  return !name.empty() && name.find(':') == std::string_view::npos;
}

// Aborts (a crash libFuzzer reports) when a property that must hold does not.
void Require(bool property) {
  if (!property) std::abort();
}

struct Parser {
  const char* file;  // what the input stands for (docs/fuzzing.md lists these)
  void (*run)(std::string_view text);
};

constexpr Parser kParsers[] = {
    {"/etc/os-release", [](std::string_view text) { (void)ParseOsRelease(text); }},  // 'a'
    {"systemctl --version", [](std::string_view text) { (void)ParseSystemdVersion(text); }},
    {"/proc/meminfo", [](std::string_view text) { (void)ParseMeminfo(text); }},  // 'c'
    {"/proc/cpuinfo", [](std::string_view text) { (void)CountCpus(text); }},
    {"/proc/net/tcp, udp", [](std::string_view text) { (void)ParseProcNetSockets(text, false); }},
    {"/proc/net/tcp6, udp6",
     [](std::string_view text) { (void)ParseProcNetSockets(text, true); }},  // 'f'
    {"/proc/self/mountinfo",
     [](std::string_view text) {
       Result<std::vector<MountEntry>> mounts = ParseMountInfo(text);
       if (!mounts) return;
       for (std::string_view path : {"/", "/opt/mesosphere", "/var/lib/docker"}) {
         const MountEntry* mount = FindMount(*mounts, path);
         if (mount == nullptr) continue;
         // Contains path by whole components; "/opt/" and "//" are "/opt" and "/".
         std::string_view point = mount->mount_point;
         while (point.size() > 1 && point.back() == '/') point.remove_suffix(1);
         Require(point == "/" || (path.starts_with(point) &&
                                  (path.size() == point.size() || path[point.size()] == '/')));
       }
     }},
    {"a mountinfo field", [](std::string_view text) { (void)DecodeMountField(text); }},  // 'h'
    {"name, then /etc/group",
     [](std::string_view text) {
       const auto [name, file] = SplitFirstLine(text);
       if (!IsAccountName(name)) return;
       Result<std::optional<GroupEntry>> entry = FindGroupEntry(file, name);
       if (entry && *entry) Require((*entry)->name == name);
     }},
    {"name, then /etc/passwd",
     [](std::string_view text) {
       const auto [name, file] = SplitFirstLine(text);
       if (!IsAccountName(name)) return;
       Result<std::optional<PasswdEntry>> entry = FindPasswdEntry(file, name);
       if (entry && *entry) Require((*entry)->name == name);
     }},  // 'j'
    {"/etc/resolv.conf", [](std::string_view text) { (void)ParseResolvConf(text); }},
    {"/proc/modules", [](std::string_view text) { (void)ParseProcModules(text); }},  // 'l'
    {"modules.builtin, modules.dep", [](std::string_view text) { (void)ParseModulePaths(text); }},
    {"sysctl key, then its /proc/sys file",
     [](std::string_view text) {
       const auto [key, value] = SplitFirstLine(text);
       Result<std::string> path = SysctlPath(key);
       if (path)
         Require(path->starts_with("/proc/sys/") && path->find("/../") == std::string::npos);
       (void)NormalizeSysctlValue(value);
     }},  // 'n'
    {"/etc/selinux/config", [](std::string_view text) { (void)ParseSelinuxConfig(text); }},
    {"/sys/fs/selinux/enforce", [](std::string_view text) { (void)ParseSelinuxEnforce(text); }},
    {"Docker GET /version", [](std::string_view text) { (void)ParseDockerVersion(text); }},  // 'q'
    {"Docker GET /info", [](std::string_view text) { (void)ParseDockerInfo(text); }},
    {"ZooKeeper srvr, mntr",
     [](std::string_view text) {
       (void)ParseSrvr(text);
       (void)IsNotWhitelisted(text);
       (void)MntrValue(text, "zk_server_state");
     }},  // 's'
    {"ip-detect output",
     [](std::string_view text) {
       for (const std::string& line : ParseIpDetectOutput(text)) {
         Require(!line.empty());
         if (IsIpAddress(line)) Require(SameAddress(line, line));
       }
       (void)RunsUnderShell(text);
     }},
    {"host:port",
     [](std::string_view text) {
       Result<HostPort> parsed = ParseHostPort(text, 2181);
       if (parsed) Require(parsed->port >= 0 && parsed->port <= 65535);
       if (parsed) (void)FormatHostPort(parsed->host, parsed->port);
     }},  // 'u'
    {"KEY=value lines", [](std::string_view text) { (void)ParseKeyValueLines(text); }},
    {"bytes as facts text",
     [](std::string_view text) {
       const std::string valid = ToValidUtf8(text);
       Require(IsValidUtf8(valid));
       if (IsValidUtf8(text)) Require(valid == text);
       (void)CountLines(text);
     }},  // 'w'
    {"adjtimex result, then ntp daemon names",
     [](std::string_view text) {
       struct timex tx = {};
       if (!text.empty()) std::memcpy(&tx, text.data(), std::min(text.size(), sizeof tx));
       (void)InterpretAdjtimex(text.empty() ? 0 : static_cast<signed char>(text[0]), tx);
       std::vector<std::string> comms;
       for (std::string_view line : SplitLines(text)) comms.emplace_back(line);
       (void)PickNtpService(comms);
     }},
};

}  // namespace
}  // namespace flightcheck

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using flightcheck::kParsers;
  if (size == 0) return 0;
  constexpr size_t kCount = std::size(kParsers);
  const size_t letter = static_cast<size_t>(data[0] - 'a');
  const size_t index = data[0] >= 'a' && letter < kCount ? letter : data[0] % kCount;
  kParsers[index].run(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
