#include "tests/testbed/dnsmasq.h"

#include <unistd.h>

#include <fmt/format.h>

namespace flightcheck::testing {

Dnsmasq::Dnsmasq(std::string listen_address, std::vector<std::pair<std::string, std::string>> hosts,
                 std::vector<std::string> extra_args)
    : listen_address_(std::move(listen_address)),
      hosts_(std::move(hosts)),
      extra_args_(std::move(extra_args)) {}

Dnsmasq::~Dnsmasq() { Stop(); }

void Dnsmasq::Stop() { process_.Stop(); }

std::string Dnsmasq::Log() const { return ReadTextFile(dir_.path() / "dnsmasq.log"); }

bool Dnsmasq::Start(std::chrono::milliseconds timeout) {
  const char* binary = "/usr/sbin/dnsmasq";
  if (::access(binary, X_OK) != 0) {
    error_ = fmt::format("{} is missing: apt-get install -y dnsmasq", binary);
    return false;
  }
  if (WaitForTcp(listen_address_, 53, std::chrono::milliseconds(1))) {
    error_ = fmt::format("{}:53 is already in use", listen_address_);
    return false;
  }
  std::string hosts;
  for (const auto& [name, address] : hosts_) hosts += fmt::format("{} {}\n", address, name);
  const std::filesystem::path hosts_file = dir_.WriteFile("hosts", hosts);
  std::vector<std::string> argv = {
      binary, "--no-daemon", "--no-resolv", "--no-hosts", "--keep-in-foreground",
      "--listen-address=" + listen_address_, "--port=53", "--bind-interfaces",
      "--addn-hosts=" + hosts_file.string(),
      // The temporary directory is root-only: stay root so the hosts file stays readable.
      "--user=root", "--pid-file=" + (dir_.path() / "dnsmasq.pid").string(), "--log-facility=-",
      "--log-queries"};
  argv.insert(argv.end(), extra_args_.begin(), extra_args_.end());
  if (!process_.Start(argv, dir_.path() / "dnsmasq.log")) {
    error_ = "cannot start dnsmasq";
    return false;
  }
  if (!WaitForTcp(listen_address_, 53, timeout)) {
    error_ = fmt::format("dnsmasq did not listen on {}:53 within {} ms; log:\n{}", listen_address_,
                         timeout.count(), Log());
    process_.Stop();
    return false;
  }
  return true;
}

}  // namespace flightcheck::testing
