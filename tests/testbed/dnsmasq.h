// Dnsmasq: a real DNS resolver (the Debian dnsmasq package) on one loopback address, port 53,
// answering only from a hosts file the test provides (no upstream servers, no /etc/hosts), as in
// TESTBED.md. Its files live in a temporary directory; the destructor stops it.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "tests/testbed/process.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {

class Dnsmasq {
 public:
  // hosts: name → address pairs. extra_args are appended to the command line (for example
  // "--local=/cluster.test/" to make the server authoritative for a domain).
  Dnsmasq(std::string listen_address, std::vector<std::pair<std::string, std::string>> hosts,
          std::vector<std::string> extra_args = {});
  ~Dnsmasq();
  Dnsmasq(const Dnsmasq&) = delete;
  Dnsmasq& operator=(const Dnsmasq&) = delete;

  // Starts dnsmasq and waits until it accepts TCP on port 53. Returns false, with the reason in
  // error(), when dnsmasq is missing, the address is taken, or it does not come up in time.
  bool Start(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  void Stop();

  const std::string& listen_address() const { return listen_address_; }
  std::string address() const { return listen_address_ + ":53"; }  // resolver form
  std::string Log() const;
  const std::string& error() const { return error_; }

 private:
  std::string listen_address_;
  std::vector<std::pair<std::string, std::string>> hosts_;
  std::vector<std::string> extra_args_;
  ScopedTempDir dir_;
  ChildProcess process_;
  std::string error_;
};

}  // namespace flightcheck::testing
