// Host files that used to hang a probe, fool it into a pass, or lead it out of --root: FIFOs,
// devices, empty and garbled tables and account databases, absolute symbolic links in the middle
// of a path, symlink loops, unsearchable PATH directories. Every fixture root is built here, in a
// temporary directory, and every FIFO is made by the test.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "checks/file_io.h"
#include "checks/host_context.h"
#include "checks/probe.h"
#include "checks/text.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

namespace fs = std::filesystem;
using std::chrono::steady_clock;

// Far under every probe's default timeout (2 s and more): refusing a FIFO takes microseconds.
constexpr auto kBound = std::chrono::milliseconds(1000);

// Makes a FIFO at root/relative (parents created); fails the test if it cannot.
fs::path MakeFifo(const fs::path& root, std::string_view relative) {
  const fs::path path = root / relative;
  fs::create_directories(path.parent_path());
  EXPECT_EQ(::mkfifo(path.c_str(), 0644), 0) << path << ": " << std::strerror(errno);
  return path;
}

// Runs call on a thread and fails the test unless it returns within kBound. A call that blocks on
// one of the fifos (the regression this guards against) is then released by opening them for
// writing, so a regression fails the test instead of hanging it.
template <typename T>
T Bounded(const std::vector<fs::path>& fifos, std::function<T()> call) {
  std::promise<T> promise;
  std::future<T> future = promise.get_future();
  const auto start = steady_clock::now();
  std::thread worker([&] { promise.set_value(call()); });
  if (future.wait_for(kBound) != std::future_status::ready) {
    ADD_FAILURE() << "the call blocked for more than " << kBound.count() << " ms";
    for (const fs::path& fifo : fifos) {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
      if (fd >= 0) ::close(fd);
    }
  }
  worker.join();
  EXPECT_LT(steady_clock::now() - start, kBound);
  return future.get();
}

Result<Facts> BoundedProbe(const std::vector<fs::path>& fifos, const std::string& probe,
                           const Params& params, const fs::path& root) {
  return Bounded<Result<Facts>>(fifos, [&] {
    return testing::CallProbeWithValidParams(probe, params, root, std::chrono::seconds(5));
  });
}

// --- FIFOs and devices wherever a host file is read.

TEST(HostileHostFilesTest, AFifoWhereAProbeReadsAHostFileIsAnErrorAtOnce) {
  struct Case {
    std::string probe;
    Params params;
    std::string fifo;                                        // under the root
    std::vector<std::pair<std::string, std::string>> files;  // what the probe reads before it
    std::string context = "";                                // what the probe prefixes
  };
  const std::vector<Case> cases = {
      {"os", Params::object(), "etc/os-release", {}},
      {"os", Params::object(), "proc/sys/kernel/osrelease", {{"etc/os-release", "ID=debian\n"}}},
      {"host", Params::object(), "proc/cpuinfo", {}},
      {"host", Params::object(), "proc/meminfo", {{"proc/cpuinfo", "processor\t: 0\n"}}},
      {"ports", {{"tcp", {22}}}, "proc/net/tcp", {}},
      {"group", {{"name", "docker"}}, "etc/group", {}},
      {"user", {{"name", "root"}}, "etc/passwd", {}},
      {"sysctl", {{"key", "net.ipv4.ip_forward"}}, "proc/sys/net/ipv4/ip_forward", {}},
      {"disk", {{"path", "/"}}, "proc/self/mountinfo", {}},
      {"dns", {{"name", "example.com"}}, "etc/resolv.conf", {}},
      {"selinux", Params::object(), "sys/fs/selinux/enforce", {}},
      {"selinux", Params::object(), "etc/selinux/config", {}},
      {"kernel_module",
       {{"name", "overlay"}},
       "proc/sys/kernel/osrelease",
       {},
       "finding the running kernel: "},
      {"kernel_module",
       {{"name", "overlay"}},
       "proc/modules",
       {{"proc/sys/kernel/osrelease", "6.1.0\n"}}},
      {"kernel_module",
       {{"name", "overlay"}},
       "lib/modules/6.1.0/modules.dep",
       {{"proc/sys/kernel/osrelease", "6.1.0\n"}, {"proc/modules", ""}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.probe + " with a FIFO at /" + c.fifo);
    testing::ScopedTempDir root;
    for (const auto& [path, text] : c.files) root.WriteFile(path, text);
    const fs::path fifo = MakeFifo(root.path(), c.fifo);
    Result<Facts> facts = BoundedProbe({fifo}, c.probe, c.params, root.path());
    ASSERT_FALSE(facts);
    EXPECT_EQ(facts.error().ToString(),
              "invalid argument: " + c.context + "'/" + c.fifo + "' is a FIFO, not a regular file");
  }
}

TEST(HostileHostFilesTest, TheFileProbeReportsAFifoWithoutOpeningIt) {
  testing::ScopedTempDir root;
  const fs::path fifo = MakeFifo(root.path(), "etc/hostname");
  Result<Facts> facts = BoundedProbe({fifo}, "file", {{"path", "/etc/hostname"}}, root.path());
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["exists"], true);
  EXPECT_EQ((*facts)["type"], "other");
  EXPECT_TRUE((*facts)["contents"].is_null());
}

TEST(HostileHostFilesTest, AFifoAsTheIpDetectScriptEndsAtOnce) {
  testing::ScopedTempDir root;
  const fs::path fifo = MakeFifo(root.path(), "opt/ip-detect");
  Result<Facts> facts =
      BoundedProbe({fifo}, "ip_detect", {{"script", "/opt/ip-detect"}}, root.path());
  // exec(2) refuses anything but a regular file; the result is an error, never an address.
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kPermissionDenied) << facts.error().ToString();
  EXPECT_NE(facts.error().message().find("ip-detect script '/opt/ip-detect'"), std::string::npos)
      << facts.error().ToString();
}

TEST(HostileHostFilesTest, ReadFileAndReadWholeFileRefuseFifosAndDevices) {
  testing::ScopedTempDir root;
  const fs::path fifo = MakeFifo(root.path(), "etc/os-release");
  const HostContext host{.root = root.path()};
  Result<std::string> text =
      Bounded<Result<std::string>>({fifo}, [&] { return host.ReadFile("/etc/os-release"); });
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: '/etc/os-release' is a FIFO, not a regular file");

  text = Bounded<Result<std::string>>({fifo}, [&] { return ReadWholeFile(fifo); });
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: '" + fifo.string() + "' is a FIFO, not a regular file");

  // /dev/zero would be read until the cap and /dev/watchdog armed by the open alone.
  text = Bounded<Result<std::string>>({}, [] { return ReadWholeFile("/dev/zero"); });
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: '/dev/zero' is a character device, not a regular file");
  text = Bounded<Result<std::string>>({}, [] { return HostContext{}.ReadFile("/dev/zero"); });
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: '/dev/zero' is a character device, not a regular file");

  const fs::path device = root.path() / "etc/null";
  if (::mknod(device.c_str(), S_IFCHR | 0644, makedev(1, 3)) == 0) {  // needs CAP_MKNOD
    text = host.ReadFile("/etc/null");
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().ToString(),
              "invalid argument: '/etc/null' is a character device, not a regular file");
  }
}

TEST(HostileHostFilesTest, SizeCapsAreKeptAndProcAndSysFilesStayReadable) {
  testing::ScopedTempDir dir;
  const fs::path big = dir.WriteFile("big", std::string(4096, 'x'));
  Result<std::string> text = ReadWholeFile(big, 100);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: '" + big.string() + "' is larger than 100 bytes");

  // st_size 0: the cap is kept by what read(2) returns.
  text = ReadWholeFile("/proc/self/status", 10);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: '/proc/self/status' is larger than 10 bytes");
  text = HostContext{}.ReadFile("/proc/sys/kernel/ostype", 64);
  ASSERT_TRUE(text) << text.error().ToString();
  EXPECT_EQ(*text, "Linux\n");

  // sysfs says 4096 bytes for a file of a few: its st_size must not refuse it.
  if (fs::exists("/sys/kernel/uevent_seqnum")) {
    text = ReadWholeFile("/sys/kernel/uevent_seqnum", 64);
    EXPECT_TRUE(text) << text.error().ToString();
  }
}

// --- False passes.

TEST(HostileHostFilesTest, EmptyOrGarbledAccountDatabasesCannotShowAbsence) {
  struct Case {
    std::string probe;
    std::string database;
    std::string text;
    std::string expected;
  };
  const std::string group_error =
      "parse error: /etc/group has no valid 'name:password:gid:members' line (it is empty or not "
      "an account database), so it cannot show whether group 'docker' exists";
  const std::string user_error =
      "parse error: /etc/passwd has no valid 'name:password:uid:gid:gecos:home:shell' line (it is "
      "empty or not an account database), so it cannot show whether user 'docker' exists";
  const std::vector<Case> cases = {
      {"group", "etc/group", "", group_error},
      {"group", "etc/group", "\n\n# only comments\n+@nis::::\n", group_error},
      {"group", "etc/group", "<html><body>404 Not Found</body></html>\n", group_error},
      {"group", "etc/group",
       std::string("\x7f"
                   "ELF\x02\x01\x01\0\0garbage",
                   17),
       group_error},
      {"user", "etc/passwd", "", user_error},
      {"user", "etc/passwd", "root:x:0:0\nnobody\n", user_error},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.probe + " on " + QuoteForMessage(c.text));
    testing::ScopedTempDir root;
    root.WriteFile(c.database, c.text);
    Result<Facts> facts =
        testing::CallProbeWithValidParams(c.probe, {{"name", "docker"}}, root.path());
    ASSERT_FALSE(facts) << facts->dump();
    EXPECT_EQ(facts.error().ToString(), c.expected);
  }

  // One good line is enough to answer for the others, as the host's own lookups would.
  testing::ScopedTempDir root;
  root.WriteFile("etc/group", "garbage\nroot:x:0:\n");
  root.WriteFile("etc/passwd", "garbage\nroot:x:0:0:root:/root:/bin/sh\n");
  for (const std::string probe : {"group", "user"}) {
    Result<Facts> facts =
        testing::CallProbeWithValidParams(probe, {{"name", "docker"}}, root.path());
    ASSERT_TRUE(facts) << probe << ": " << facts.error().ToString();
    EXPECT_EQ((*facts)["exists"], false) << probe;
  }
}

// Runs call in a child process without root's privileges (as nobody when this test is root), so
// that permission bits apply; returns what it returned, as Status::ToString or "ok: <value>".
std::string InUnprivilegedChild(const std::function<std::string()>& call) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::close(pipe_fds[0]);
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(2);
    const std::string result = call();
    const ssize_t ignored = ::write(pipe_fds[1], result.data(), result.size());
    (void)ignored;
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  std::string result;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) result.append(buffer, n);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  return result;
}

TEST(HostileHostFilesTest, APathDirectoryThatCannotBeSearchedIsAnErrorNotMissing) {
  testing::ScopedTempDir root;
  const fs::path curl = root.WriteFile("usr/bin/curl", "#!/bin/sh\n");
  fs::permissions(curl, fs::perms(0755));
  fs::permissions(root.path(), fs::perms(0755));  // the child must reach the root itself
  fs::permissions(root.path() / "usr", fs::perms(0755));
  fs::permissions(root.path() / "usr/bin", fs::perms::none);
  const std::string result = InUnprivilegedChild([&] {
    Result<Facts> facts =
        testing::CallProbe("binaries", {{"names", {"curl"}}}, root.path(), Deadline::In(kBound));
    return facts ? "ok: " + facts->dump() : facts.error().ToString();
  });
  fs::permissions(root.path() / "usr/bin", fs::perms(0755));  // so that the directory can go
  EXPECT_EQ(result,
            "permission denied: searching /usr/bin for 'curl': resolving /usr/bin/curl: Permission "
            "denied");

  // A symlink loop cannot be searched either.
  testing::ScopedTempDir looping;
  fs::create_directories(looping.path() / "usr");
  fs::create_symlink("/usr/bin", looping.path() / "usr/bin");
  Result<Facts> facts =
      testing::CallProbeWithValidParams("binaries", {{"names", {"curl"}}}, looping.path());
  ASSERT_FALSE(facts) << facts->dump();
  EXPECT_EQ(facts.error().ToString(),
            "invalid argument: searching /usr/bin for 'curl': resolving /usr/bin/curl: Too many "
            "levels of symbolic links");
}

// --- --root is not escaped by absolute symbolic links.

// A root whose /opt is an absolute link to a directory of the live host that holds
// mesosphere/marker, bin/curl and sys/net/ipv4/ip_forward: none of it may be seen under the root.
class RootEscapeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    outside_.WriteFile("mesosphere/marker", "the live host's file\n");
    fs::permissions(outside_.WriteFile("bin/curl", "#!/bin/sh\n"), fs::perms(0755));
    outside_.WriteFile("sys/net/ipv4/ip_forward", "1\n");
    fs::create_directories(root_.path() / "usr");
    fs::create_directories(root_.path() / "proc");
    fs::create_symlink(outside_.path(), root_.path() / "opt");
    fs::create_symlink(outside_.path() / "bin", root_.path() / "usr/bin");
    fs::create_symlink(outside_.path() / "sys", root_.path() / "proc/sys");
  }

  testing::ScopedTempDir outside_;
  testing::ScopedTempDir root_;
};

TEST_F(RootEscapeTest, ReadFileResolvesEveryComponentUnderTheRoot) {
  const HostContext host{.root = root_.path()};
  Result<std::string> text = host.ReadFile("/opt/mesosphere/marker");
  ASSERT_FALSE(text) << "read from the live host: " << *text;
  EXPECT_TRUE(text.error().IsNotFound()) << text.error().ToString();

  // The same link inside the root leads where the image means.
  root_.WriteFile(outside_.path().relative_path().string() + "/mesosphere/marker", "image\n");
  text = host.ReadFile("/opt/mesosphere/marker");
  ASSERT_TRUE(text) << text.error().ToString();
  EXPECT_EQ(*text, "image\n");
  Result<fs::path> local = host.LocalPath("/opt/mesosphere/marker");
  ASSERT_TRUE(local) << local.error().ToString();
  EXPECT_EQ(*local, root_.path() / outside_.path().relative_path() / "mesosphere/marker");
  local = host.LocalPath("/opt", /*follow_last=*/false);
  ASSERT_TRUE(local) << local.error().ToString();
  EXPECT_EQ(*local, root_.path() / "opt");
}

TEST_F(RootEscapeTest, ProbesSeeTheImageNotTheLiveHost) {
  Result<Facts> file =
      testing::CallProbeWithValidParams("file", {{"path", "/opt/mesosphere"}}, root_.path());
  ASSERT_TRUE(file) << file.error().ToString();
  EXPECT_EQ((*file)["exists"], false);

  Result<Facts> binaries =
      testing::CallProbeWithValidParams("binaries", {{"names", {"curl"}}}, root_.path());
  ASSERT_TRUE(binaries) << binaries.error().ToString();
  EXPECT_EQ((*binaries)["missing"], nlohmann::json({"curl"}));

  Result<Facts> sysctl =
      testing::CallProbeWithValidParams("sysctl", {{"key", "net.ipv4.ip_forward"}}, root_.path());
  ASSERT_TRUE(sysctl) << sysctl.error().ToString();
  EXPECT_EQ((*sysctl)["exists"], false);
}

TEST(HostileHostFilesTest, SymlinkLoopsAreTooManyLevelsOfSymbolicLinksNotInternalErrors) {
  testing::ScopedTempDir root;
  fs::create_directories(root.path() / "etc");
  fs::create_symlink("/etc/loop-b", root.path() / "etc/loop-a");
  fs::create_symlink("/etc/loop-a", root.path() / "etc/loop-b");
  Result<std::string> text = HostContext{.root = root.path()}.ReadFile("/etc/loop-a");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: resolving /etc/loop-a: Too many levels of symbolic links");

  // On the live root the kernel resolves, and its ELOOP gets the same code.
  fs::create_symlink("loop-d", root.path() / "loop-c");
  fs::create_symlink("loop-c", root.path() / "loop-d");
  const std::string live_path = (root.path() / "loop-c").string();
  text = HostContext{}.ReadFile(live_path);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().ToString(),
            "invalid argument: cannot read '" + live_path + "': Too many levels of symbolic links");
}

}  // namespace
}  // namespace flightcheck
