// SshConnection's pure parts: the command line it runs and how it reads ssh's failures. Real
// connections are tested against real sshd hosts in tests/integration/fleet_test.cc.
#include "runner/ssh_connection.h"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>

#include "checks/command_runner.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

TEST(ShellQuoteTest, SingleQuotesSurviveAShell) {
  EXPECT_EQ(ShellQuote("plain"), "'plain'");
  EXPECT_EQ(ShellQuote("it's $HOME"), "'it'\\''s $HOME'");
  LocalCommandRunner runner;
  Result<CommandResult> echoed =
      runner.Run({"sh", "-c", "printf %s " + ShellQuote("it's $HOME `x` \"y\"")},
                 Deadline::In(std::chrono::seconds(5)));
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->stdout_text, "it's $HOME `x` \"y\"");
}

TEST(SshConnectionTest, CommandLineIsStrictMultiplexedAndBoundedOnTheHost) {
  boost::asio::io_context io;
  ProcessReaper reaper(io);
  SshOptions options;
  options.user = "centos";
  options.port = 2222;
  options.identity_file = "/keys/id";
  options.known_hosts = "/genconf/known_hosts";
  options.control_dir = "/tmp/fc";
  SshConnection connection(reaper, options, "10.0.0.1");
  const std::vector<std::string> argv =
      connection.CommandArgv("echo 'hi'", std::chrono::milliseconds(2500));
  const std::string line = QuoteArgv(argv);
  for (const char* expected :
       {"-o BatchMode=yes", "-o StrictHostKeyChecking=yes", "-o ControlPath=/tmp/fc/10.0.0.1",
        "-p 2222", "-l centos", "-o UserKnownHostsFile=/genconf/known_hosts",
        "-o GlobalKnownHostsFile=/dev/null", "-i /keys/id", "-o ControlMaster=no"}) {
    EXPECT_NE(line.find(expected), std::string::npos) << expected << " not in " << line;
  }
  EXPECT_EQ(argv.back().substr(0, 45), "sudo -n sh -c 'exec 3<&0; timeout -k 5 2.500 ")
      << "a user other than root runs commands through sudo -n, bounded on the host";
  EXPECT_NE(argv.back().find("/tmp/.flightcheck-fc-10.0.0.1.pid"), std::string::npos)
      << "the remote timeout's pid is recorded for Interrupt: " << argv.back();

  options.user = "root";
  options.accept_new_host_keys = true;
  SshConnection as_root(reaper, options, "10.0.0.1");
  const std::vector<std::string> root_argv = as_root.CommandArgv("true", std::chrono::seconds(1));
  EXPECT_EQ(root_argv.back().substr(0, 37), "sh -c 'exec 3<&0; timeout -k 5 1.000 ")
      << root_argv.back();
  EXPECT_NE(QuoteArgv(root_argv).find("StrictHostKeyChecking=accept-new"), std::string::npos);
}

TEST(ClassifyConnectFailureTest, EachKindOfFailureGetsItsMessage) {
  const std::filesystem::path known_hosts = "/g/known_hosts";
  ConnectResult changed = ClassifyConnectFailure(
      "10.0.0.1",
      "@@@@@@@\n@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n"
      "Host key verification failed.\n",
      known_hosts);
  EXPECT_EQ(changed.failure, ConnectFailure::kHostKeyChanged);
  EXPECT_EQ(changed.message,
            "host key of 10.0.0.1 has CHANGED since it was recorded in /g/known_hosts: the host "
            "was reinstalled, or someone is intercepting the connection. Nothing was run there. "
            "If the change is expected, remove the old key with `ssh-keygen -R 10.0.0.1 -f "
            "/g/known_hosts` and record the new one.");
  ConnectResult unknown = ClassifyConnectFailure(
      "10.0.0.1",
      "No ED25519 host key is known for 10.0.0.1 and you have requested strict "
      "checking.\nHost key verification failed.\n",
      known_hosts);
  EXPECT_EQ(unknown.failure, ConnectFailure::kHostKeyUnknown);
  EXPECT_NE(unknown.message.find("ssh_accept_new_host_keys: true"), std::string::npos);
  ConnectResult denied = ClassifyConnectFailure(
      "10.0.0.1", "root@10.0.0.1: Permission denied (publickey).\n", known_hosts);
  EXPECT_EQ(denied.failure, ConnectFailure::kAuthFailed);
  EXPECT_EQ(denied.message,
            "authentication to 10.0.0.1 failed: root@10.0.0.1: Permission denied (publickey).");
  ConnectResult refused = ClassifyConnectFailure(
      "10.0.0.1", "ssh: connect to host 10.0.0.1 port 22: Connection refused\n", known_hosts);
  EXPECT_EQ(refused.failure, ConnectFailure::kUnreachable);
  EXPECT_EQ(refused.message,
            "10.0.0.1 is unreachable: ssh: connect to host 10.0.0.1 port 22: Connection refused");
}

}  // namespace
}  // namespace flightcheck
