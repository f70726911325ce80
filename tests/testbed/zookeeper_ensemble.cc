#include "tests/testbed/zookeeper_ensemble.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <thread>

#include <fmt/format.h>

namespace flightcheck::testing {
namespace {

constexpr const char* kZookeeperJar = "/usr/share/java/zookeeper.jar";
// zookeeper.jar's manifest Class-Path names its dependencies (slf4j-api, netty, jetty...) in
// /usr/share/java, so the recipe's classpath is enough to run; slf4j-simple, when installed, turns
// the otherwise silent NOP logger into a log we can show when a test fails.
constexpr const char* kSlf4jSimpleJar = "/usr/share/java/slf4j-simple.jar";

std::string ModeOf(const std::string& srvr) {
  if (srvr.find("not currently serving requests") != std::string::npos) return "not serving";
  const size_t at = srvr.find("Mode: ");
  if (at == std::string::npos) return "";
  const size_t end = srvr.find('\n', at);
  return srvr.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6);
}

bool TcpPortAnswers(const std::string& host, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

std::string FourLetterWord(const std::string& host, int port, const std::string& command,
                           std::chrono::milliseconds timeout) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";
  timeval tv{.tv_sec = timeout.count() / 1000,
             .tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);  // also bounds connect(2)
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::send(fd, command.data(), command.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(command.size())) {
    char buffer[4096];
    for (;;) {
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) break;
      reply.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

ZookeeperEnsemble::ZookeeperEnsemble(int size) : size_(size) {}

ZookeeperEnsemble::~ZookeeperEnsemble() {
  for (auto& server : servers_) server->Kill();
}

std::string ZookeeperEnsemble::HostOf(int i) { return fmt::format("127.0.0.{}", 10 + i); }

std::vector<std::string> ZookeeperEnsemble::addresses() const {
  std::vector<std::string> out;
  for (int i = 1; i <= size_; ++i) out.push_back(fmt::format("{}:{}", HostOf(i), kClientPort));
  return out;
}

std::string ZookeeperEnsemble::Log(int i) const {
  return ReadTextFile(dir_.path() / fmt::format("zk{}.log", i));
}

bool ZookeeperEnsemble::Start() {
  if (size_ != 1 && size_ != 3) {
    error_ = fmt::format("ensemble size {} is not 1 or 3", size_);
    return false;
  }
  if (::access(kZookeeperJar, R_OK) != 0) {
    error_ = fmt::format("{} is missing: apt-get install -y zookeeper", kZookeeperJar);
    return false;
  }
  for (int i = 1; i <= size_; ++i) {
    for (const int port : {kClientPort, 2888, 3888}) {
      if (TcpPortAnswers(HostOf(i), port)) {
        error_ =
            fmt::format("{}:{} is already in use (a ZooKeeper left running?)", HostOf(i), port);
        return false;
      }
    }
  }
  std::string servers;
  if (size_ > 1) {
    for (int i = 1; i <= size_; ++i) {
      servers += fmt::format("server.{}={}:2888:3888\n", i, HostOf(i));
    }
  }
  std::string classpath = std::string("/etc/zookeeper/conf:") + kZookeeperJar;
  if (::access(kSlf4jSimpleJar, R_OK) == 0) classpath += std::string(":") + kSlf4jSimpleJar;
  for (int i = 1; i <= size_; ++i) {
    const std::filesystem::path data = dir_.path() / fmt::format("zk{}", i);
    dir_.WriteFile(fmt::format("zk{}/myid", i), fmt::format("{}\n", i));
    const std::filesystem::path config = dir_.WriteFile(
        fmt::format("zoo{}.cfg", i),
        fmt::format("tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={}\n"
                    "clientPortAddress={}\n4lw.commands.whitelist=*\nadmin.enableServer=false\n"
                    "{}",
                    data.string(), kClientPort, HostOf(i), servers));
    auto server = std::make_unique<ChildProcess>();
    // Serial GC and the C1 compiler only: three JVMs start much faster on two cores.
    if (!server->Start(
            {"java", "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classpath,
             "org.apache.zookeeper.server.quorum.QuorumPeerMain", config.string()},
            dir_.path() / fmt::format("zk{}.log", i))) {
      error_ = "cannot start java";
      return false;
    }
    servers_.push_back(std::move(server));
  }
  return true;
}

bool ZookeeperEnsemble::WaitUntilQuorum(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::string last;
  while (std::chrono::steady_clock::now() < until) {
    int leaders = 0, followers = 0, standalone = 0, live = 0;
    last.clear();
    for (int i = 1; i <= size_; ++i) {
      if (!servers_[i - 1]->running()) continue;
      ++live;
      const std::string mode =
          ModeOf(FourLetterWord(HostOf(i), kClientPort, "srvr", std::chrono::milliseconds(1000)));
      last += fmt::format(" {}={}", i, mode.empty() ? "?" : mode);
      leaders += mode == "leader";
      followers += mode == "follower";
      standalone += mode == "standalone";
    }
    if (size_ == 1 && standalone == 1) return true;
    if (size_ > 1 && leaders == 1 && leaders + followers == live) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  error_ = fmt::format("no quorum within {} ms; modes:{}", timeout.count(), last);
  return false;
}

void ZookeeperEnsemble::Kill(int i) {
  if (i >= 1 && i <= static_cast<int>(servers_.size())) servers_[i - 1]->Kill();
}

}  // namespace flightcheck::testing
