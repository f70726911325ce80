#include "checks/host.h"

#include <cctype>

#include <limits>

#include <fmt/format.h>

#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {

Result<MemInfo> ParseMeminfo(std::string_view text) {
  MemInfo info;
  bool have_total = false;
  bool have_swap = false;
  for (std::string_view line : SplitLines(text)) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = Trim(line.substr(0, colon));
    if (key != "MemTotal" && key != "MemAvailable" && key != "SwapTotal") continue;
    const std::vector<std::string_view> fields = SplitFields(line.substr(colon + 1));
    const std::optional<int64_t> kib =
        fields.size() == 2 && fields[1] == "kB" ? ParseInt64(fields[0]) : std::nullopt;
    // A value whose bytes do not fit 64 bits is no real memory size (a hostile --root).
    if (!kib || *kib < 0 || *kib > std::numeric_limits<int64_t>::max() / 1024) {
      return Status::ParseError(fmt::format("/proc/meminfo: {} is '{}', expected '<integer> kB'",
                                            key, Trim(line.substr(colon + 1))));
    }
    const int64_t bytes = *kib * 1024;
    if (key == "MemTotal") {
      info.total = bytes;
      have_total = true;
    } else if (key == "MemAvailable") {
      info.available = bytes;
    } else {
      info.swap = bytes;
      have_swap = true;
    }
  }
  if (!have_total) return Status::ParseError("/proc/meminfo has no MemTotal line");
  if (!have_swap) return Status::ParseError("/proc/meminfo has no SwapTotal line");
  return info;
}

int64_t CountCpus(std::string_view cpuinfo) {
  int64_t count = 0;
  for (std::string_view line : SplitLines(cpuinfo)) {
    // "processor\t: 0" on x86 and arm64; "Processor : ARMv7 ..." (capitalised) is a model name.
    if (!StartsWith(line, "processor")) continue;
    const std::string_view rest = Trim(line.substr(9));
    if (!rest.empty() &&
        (rest.front() == ':' || std::isdigit(static_cast<unsigned char>(rest.front())))) {
      ++count;
    }
  }
  return count;
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "host",
      .summary = "Logical CPUs, memory and swap of the host.",
      .params = {},
      .facts = {{"cpus", FactType::Int(), "logical CPUs: \"processor\" lines of /proc/cpuinfo"},
                {"memory", FactType::Size(), "MemTotal of /proc/meminfo"},
                {"memory_available", FactType::Size().OrNull(),
                 "MemAvailable of /proc/meminfo; null on kernels before 3.14"},
                {"swap", FactType::Size(), "SwapTotal of /proc/meminfo (0 without swap)"}},
      .default_timeout = Milliseconds(2000),
  };
}

Result<Facts> Probe(const Params&, const HostContext& host, Deadline) {
  // cpuinfo grows with the CPU count (about 1.5 KiB per CPU on x86).
  Result<std::string> cpuinfo = host.ReadFile("/proc/cpuinfo", 16 << 20);
  if (!cpuinfo) return cpuinfo.error();
  const int64_t cpus = CountCpus(*cpuinfo);
  if (cpus == 0) return Status::ParseError("/proc/cpuinfo has no 'processor' lines");

  Result<std::string> meminfo_text = host.ReadFile("/proc/meminfo", 64 * 1024);
  if (!meminfo_text) return meminfo_text.error();
  Result<MemInfo> meminfo = ParseMeminfo(*meminfo_text);
  if (!meminfo) return meminfo.error();

  Facts facts;
  facts["cpus"] = cpus;
  facts["memory"] = meminfo->total;
  facts["memory_available"] = meminfo->available ? Facts(*meminfo->available) : Facts(nullptr);
  facts["swap"] = meminfo->swap;
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
