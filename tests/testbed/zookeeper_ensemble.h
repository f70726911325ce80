// ZookeeperEnsemble: 1 or 3 real ZooKeeper servers (the Debian zookeeper package) on loopback
// addresses, as in TESTBED.md. Server i (1-based) listens on 127.0.0.(10+i):2181 and talks to its
// peers on ports 2888/3888 of the same address. Everything lives in a temporary directory and every
// server is stopped by the destructor, also when a test fails.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "tests/testbed/process.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::testing {

class ZookeeperEnsemble {
 public:
  static constexpr int kClientPort = 2181;

  explicit ZookeeperEnsemble(int size);  // 1 (standalone) or 3
  ~ZookeeperEnsemble();
  ZookeeperEnsemble(const ZookeeperEnsemble&) = delete;
  ZookeeperEnsemble& operator=(const ZookeeperEnsemble&) = delete;

  // Writes the configuration and starts every server. Returns false, with the reason in error(),
  // when java or zookeeper.jar is missing, an address is already taken, or a server cannot start.
  bool Start();

  // Polls "srvr" on every live server until exactly one says leader (standalone for a single
  // server) and every other live one follower, or timeout passes.
  bool WaitUntilQuorum(std::chrono::milliseconds timeout);

  // SIGKILLs server i (1-based), as a crash would.
  void Kill(int i);

  // "127.0.0.11" for server 1 ...
  static std::string HostOf(int i);
  // "127.0.0.11:2181", ... for every server, dead or alive.
  std::vector<std::string> addresses() const;
  int size() const { return size_; }

  // The log of server i (stdout and stderr of the JVM), for failure messages.
  std::string Log(int i) const;
  const std::string& error() const { return error_; }

 private:
  int size_;
  ScopedTempDir dir_;
  std::vector<std::unique_ptr<ChildProcess>> servers_;  // index i-1
  std::string error_;
};

// Sends a four-letter word to host:port and returns the reply ("" when the server cannot be
// reached or does not answer within timeout). Self-contained: the harness links no product code.
std::string FourLetterWord(const std::string& host, int port, const std::string& command,
                           std::chrono::milliseconds timeout);

}  // namespace flightcheck::testing
