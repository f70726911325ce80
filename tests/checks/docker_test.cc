#include "checks/docker.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "checks/probe.h"
#include "tests/testbed/http_responder.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::HttpResponder;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// GET /version of docker.io 20.10.24 on Debian 12.
constexpr std::string_view kVersion20 =
    R"json({"Platform":{"Name":""},"Components":[{"Name":"Engine",
"Version":"20.10.24+dfsg1","Details":{"ApiVersion":"1.41","Arch":"amd64","MinAPIVersion":"1.12",
"Os":"linux"}}],"Version":"20.10.24+dfsg1","ApiVersion":"1.41","MinAPIVersion":"1.12",
"GitCommit":"5d6db84","GoVersion":"go1.19.8","Os":"linux","Arch":"amd64",
"KernelVersion":"6.1.0-18-amd64","BuildTime":"2024-05-07T21:09:36.000000000+00:00"})json";

// GET /version of Docker 1.13.1 (CentOS 7 extras): no Components, no Platform.
constexpr std::string_view kVersion113 = R"json({"Version":"1.13.1","ApiVersion":"1.26",
"MinAPIVersion":"1.12","GitCommit":"7d71120/1.13.1","GoVersion":"go1.10.3","Os":"linux",
"Arch":"amd64","KernelVersion":"3.10.0-1160.el7.x86_64","BuildTime":"2020-03-12T15:27:41Z"})json";

// GET /info of CentOS 7 Docker 1.13.1 with devicemapper in loop-lvm mode (its default).
constexpr std::string_view kInfoDevicemapperLoop =
    R"json({"ID":"4ZKM:QDXL:HIUP:TK5S","Containers":3,
"Images":12,"Driver":"devicemapper","DriverStatus":[["Pool Name","docker-253:0-33580422-pool"],
["Pool Blocksize","65.54 kB"],["Base Device Size","10.74 GB"],["Backing Filesystem","xfs"],
["Data file","/dev/loop0"],["Metadata file","/dev/loop1"],["Data Space Used","1.161 GB"],
["Data Space Total","107.4 GB"],["Data Space Available","35.52 GB"],
["Metadata Space Used","2.208 MB"],["Metadata Space Total","2.147 GB"],
["Thin Pool Minimum Free Space","10.74 GB"],["Udev Sync Supported","true"],
["Deferred Removal Enabled","false"],
["Data loop file","/var/lib/docker/devicemapper/devicemapper/data"],
["Metadata loop file","/var/lib/docker/devicemapper/devicemapper/metadata"],
["Library Version","1.02.140-RHEL7 (2017-05-03)"]],"SystemStatus":null,
"LoggingDriver":"journald","CgroupDriver":"systemd","KernelVersion":"3.10.0-693.el7.x86_64",
"OperatingSystem":"CentOS Linux 7 (Core)","DockerRootDir":"/var/lib/docker",
"ServerVersion":"1.13.1"
})json";

// devicemapper on a real thin pool (direct-lvm): no loop device.
constexpr std::string_view kInfoDevicemapperDirect = R"json({"Driver":"devicemapper",
"DriverStatus":[["Pool Name","docker-thinpool"],["Data file",""],["Metadata file",""],
["Backing Filesystem","xfs"]],"CgroupDriver":"cgroupfs","DockerRootDir":"/var/lib/docker",
"ServerVersion":"18.09.1"})json";

// GET /info of docker.io 20.10.24 with overlay2 (trimmed).
constexpr std::string_view kInfoOverlay2 = R"json({"ID":"74LB:JAAP:VPJ7","Containers":0,
"Driver":"overlay2","DriverStatus":[["Backing Filesystem","extfs"],["Supports d_type","true"],
["Native Overlay Diff","true"],["userxattr","false"]],"Plugins":{"Volume":["local"]},
"CgroupDriver":"cgroupfs","CgroupVersion":"2","DockerRootDir":"/var/lib/docker",
"ServerVersion":"20.10.24+dfsg1"})json";

// vfs reports no driver status at all.
constexpr std::string_view kInfoVfs = R"json({"Driver":"vfs","DriverStatus":null,
"CgroupDriver":"cgroupfs","DockerRootDir":"/tmp/d/data","ServerVersion":"20.10.24+dfsg1"})json";

TEST(DockerParseTest, Version) {
  struct Case {
    std::string_view json;
    bool ok;
    std::string server_version;
    std::string api_version;
    std::string error;
  };
  const Case cases[] = {
      {kVersion20, true, "20.10.24+dfsg1", "1.41", ""},
      {kVersion113, true, "1.13.1", "1.26", ""},
      {R"({"Version":"17.03.0-ce"})", true, "17.03.0-ce", "", ""},
      {R"({"Version":"20.10.24", "ApiVer)", false, "", "", "not a JSON object: '{\"Version\""},
      {"", false, "", "", "not a JSON object"},
      {"[1, 2]", false, "", "", "not a JSON object: '[1, 2]'"},
      {R"({"ApiVersion":"1.41"})", false, "", "", "no \"Version\""},
      {R"({"Version":20})", false, "", "", "no \"Version\""},
  };
  for (const Case& c : cases) {
    Result<DockerVersion> version = ParseDockerVersion(c.json);
    ASSERT_EQ(version.has_value(), c.ok) << c.json;
    if (c.ok) {
      EXPECT_EQ(version->server_version, c.server_version) << c.json;
      EXPECT_EQ(version->api_version, c.api_version) << c.json;
    } else {
      EXPECT_EQ(version.error().code(), ErrorCode::kParseError);
      EXPECT_TRUE(Contains(version.error().message(), c.error)) << version.error().message();
    }
  }
  Result<DockerVersion> full = ParseDockerVersion(kVersion20);
  ASSERT_TRUE(full);
  EXPECT_EQ(full->min_api_version, "1.12");
  EXPECT_EQ(full->os, "linux");
  EXPECT_EQ(full->arch, "amd64");
  EXPECT_EQ(full->kernel_version, "6.1.0-18-amd64");
}

TEST(DockerParseTest, Info) {
  struct Case {
    std::string_view json;
    std::string storage_driver;
    std::string cgroup_driver;
    std::string root_dir;
    std::string data_file;
    bool loopback;
    size_t driver_status_entries;
  };
  const Case cases[] = {
      {kInfoDevicemapperLoop, "devicemapper", "systemd", "/var/lib/docker", "/dev/loop0", true, 17},
      {kInfoDevicemapperDirect, "devicemapper", "cgroupfs", "/var/lib/docker", "", false, 4},
      {kInfoOverlay2, "overlay2", "cgroupfs", "/var/lib/docker", "", false, 4},
      {kInfoVfs, "vfs", "cgroupfs", "/tmp/d/data", "", false, 0},
      {R"({"Driver":"aufs"})", "aufs", "", "", "", false, 0},
  };
  for (const Case& c : cases) {
    Result<DockerInfo> info = ParseDockerInfo(c.json);
    ASSERT_TRUE(info) << info.error().ToString();
    EXPECT_EQ(info->storage_driver, c.storage_driver) << c.json;
    EXPECT_EQ(info->cgroup_driver, c.cgroup_driver) << c.json;
    EXPECT_EQ(info->root_dir, c.root_dir) << c.json;
    EXPECT_EQ(info->data_file, c.data_file) << c.json;
    EXPECT_EQ(info->loopback_data_file, c.loopback) << c.json;
    EXPECT_EQ(info->driver_status.size(), c.driver_status_entries) << c.json;
  }
  Result<DockerInfo> loop = ParseDockerInfo(kInfoDevicemapperLoop);
  ASSERT_TRUE(loop);
  EXPECT_EQ(loop->server_version, "1.13.1");
  EXPECT_EQ(loop->driver_status.front(),
            std::make_pair(std::string("Pool Name"), std::string("docker-253:0-33580422-pool")));
}

TEST(DockerParseTest, GarbledInfo) {
  struct Case {
    std::string_view json;
    std::string error;
  };
  const Case cases[] = {
      {R"({"Driver":"overlay2","DriverStatus":[["Backing)", "/info answer is not a JSON object"},
      {"<html>502 Bad Gateway</html>", "not a JSON object: '<html>502 Bad Gateway</html>'"},
      {"null", "not a JSON object"},
      {R"({"Containers":0})", "no \"Driver\""},
      {R"({"Driver":"overlay2","DriverStatus":"fine"})", "\"DriverStatus\" is not a list"},
      {R"({"Driver":"overlay2","DriverStatus":[["only key"]]})",
       "entry [\"only key\"] is not a [key, value] pair"},
      {R"({"Driver":"overlay2","DriverStatus":[["Data file",7]]})", "is not a [key, value] pair"},
  };
  for (const Case& c : cases) {
    Result<DockerInfo> info = ParseDockerInfo(c.json);
    ASSERT_FALSE(info) << c.json;
    EXPECT_EQ(info.error().code(), ErrorCode::kParseError);
    EXPECT_TRUE(Contains(info.error().message(), c.error)) << info.error().message();
  }
  // A long garbled answer is quoted, not copied whole, into the message.
  Result<DockerInfo> long_garbage = ParseDockerInfo(std::string(10000, '#'));
  ASSERT_FALSE(long_garbage);
  EXPECT_LT(long_garbage.error().message().size(), 200u);
}

// The docker probe against a fake Engine API on a unix socket (and fixture roots for the
// executables). The real daemon is tested in tests/integration/docker_integration_test.cc.
class DockerProbeTest : public ::testing::Test {
 protected:
  Result<Facts> Run(Deadline deadline = Deadline::In(seconds(5))) const {
    return RunWithSetting(socket_, deadline);
  }
  Result<Facts> RunWithSetting(const std::string& docker_socket,
                               Deadline deadline = Deadline::In(seconds(5))) const {
    LocalCommandRunner runner;
    HostContext host{.root = root_.path(), .docker_socket = docker_socket, .commands = &runner};
    return testing::CallProbe("docker", Params::object(), host, deadline);
  }

  // Serves canned answers for /version and /info; anything else is a 404.
  void StartEngine(std::string_view version, std::string_view info, int status = 200) {
    ASSERT_TRUE(engine_.ListenUnix(socket_));
    engine_.Start([version = std::string(version), info = std::string(info),
                   status](const std::string& target) {
      if (target == "/version") return HttpResponder::Answer(status, version);
      if (target == "/info") return HttpResponder::Answer(status, info);
      return HttpResponder::Answer(404, R"json({"message":"page not found"})json");
    });
  }

  testing::ScopedTempDir root_;  // the inspected host's root
  testing::ScopedTempDir run_;   // where the socket lives
  std::string socket_ = (run_.path() / "docker.sock").string();
  HttpResponder engine_;
};

TEST_F(DockerProbeTest, NoSocketIsNotRunningAndNotInstalled) {
  Result<Facts> facts = Run();
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["installed"], false);
  EXPECT_EQ((*facts)["running"], false);
  EXPECT_EQ((*facts)["socket"], socket_);
  EXPECT_EQ((*facts)["detail"], "no socket at " + socket_);
  EXPECT_EQ((*facts)["server_version"], "");
  EXPECT_EQ((*facts)["storage_driver"], "");
  EXPECT_EQ((*facts)["loopback_data_file"], false);
}

TEST_F(DockerProbeTest, InstalledButNotRunning) {
  for (const char* executable : {"usr/bin/docker", "usr/sbin/dockerd"}) {
    testing::ScopedTempDir root;
    const std::filesystem::path path = root.WriteFile(executable, "#!/bin/sh\n");
    ASSERT_EQ(::chmod(path.c_str(), 0755), 0);
    ASSERT_NE(ProbeRegistry::Global().Find("docker"), nullptr);
    LocalCommandRunner runner;
    HostContext host{.root = root.path(), .docker_socket = socket_, .commands = &runner};
    Result<Facts> facts =
        testing::CallProbe("docker", Params::object(), host, Deadline::In(seconds(5)));
    ASSERT_TRUE(facts) << facts.error().ToString();
    EXPECT_EQ((*facts)["installed"], true) << executable;
    EXPECT_EQ((*facts)["running"], false) << executable;
  }
}

TEST_F(DockerProbeTest, StaleSocketIsConnectionRefused) {
  ASSERT_TRUE(testing::MakeStaleUnixSocket(socket_));
  Result<Facts> facts = Run();
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["installed"], true);  // the socket is there
  EXPECT_EQ((*facts)["running"], false);
  EXPECT_EQ((*facts)["detail"], "connecting to " + socket_ + ": connection refused");
}

TEST_F(DockerProbeTest, DevicemapperOnLoopback) {
  StartEngine(kVersion113, kInfoDevicemapperLoop);
  Result<Facts> facts = Run();
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["installed"], true);
  EXPECT_EQ((*facts)["running"], true);
  EXPECT_EQ((*facts)["server_version"], "1.13.1");
  EXPECT_EQ((*facts)["api_version"], "1.26");
  EXPECT_EQ((*facts)["storage_driver"], "devicemapper");
  EXPECT_EQ((*facts)["cgroup_driver"], "systemd");
  EXPECT_EQ((*facts)["root_dir"], "/var/lib/docker");
  EXPECT_EQ((*facts)["loopback_data_file"], true);
  EXPECT_EQ((*facts)["data_file"], "/dev/loop0");
  EXPECT_EQ((*facts)["detail"], "");
  EXPECT_EQ(engine_.requests(), 2);
}

TEST_F(DockerProbeTest, Overlay2AndEveryFactDeclared) {
  StartEngine(kVersion20, kInfoOverlay2);
  Result<Facts> facts = Run();
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["server_version"], "20.10.24+dfsg1");
  EXPECT_EQ((*facts)["storage_driver"], "overlay2");
  EXPECT_EQ((*facts)["loopback_data_file"], false);
  const ProbeEntry* probe = ProbeRegistry::Global().Find("docker");
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(facts->size(), probe->descriptor.facts.size());
  for (const auto& [name, value] : facts->items()) {
    EXPECT_NE(probe->descriptor.FindFact(name), nullptr) << name;
  }
}

TEST_F(DockerProbeTest, SocketSettingInDockerHostSpelling) {
  StartEngine(kVersion20, kInfoVfs);
  Result<Facts> facts = RunWithSetting("unix://" + socket_);
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["running"], true);
  EXPECT_EQ((*facts)["storage_driver"], "vfs");
  EXPECT_EQ((*facts)["socket"], socket_);

  Result<Facts> unset = RunWithSetting("");
  ASSERT_TRUE(unset) << unset.error().ToString();
  EXPECT_EQ((*unset)["running"], false);
  EXPECT_EQ((*unset)["detail"], "no docker socket configured");
}

TEST_F(DockerProbeTest, GarbledAnswerIsAParseError) {
  StartEngine(kVersion20, R"({"Driver": "overl)");
  Result<Facts> facts = Run();
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kParseError);
  EXPECT_TRUE(Contains(facts.error().message(), "docker /info answer is not a JSON object"))
      << facts.error().message();
}

TEST_F(DockerProbeTest, HttpErrorIsAnError) {
  StartEngine(R"({"message":"internal"})", "{}", 500);
  Result<Facts> facts = Run();
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(facts.error().message(), "docker answered GET /version with HTTP 500"))
      << facts.error().message();
}

TEST_F(DockerProbeTest, SilentDaemonIsATimeout) {
  ASSERT_TRUE(engine_.ListenUnix(socket_));
  engine_.Start([](const std::string&) { return HttpResponder::Hang(); });
  const auto started = std::chrono::steady_clock::now();
  Result<Facts> facts = Run(Deadline::In(milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  ASSERT_FALSE(facts);
  EXPECT_EQ(facts.error().code(), ErrorCode::kTimeout) << facts.error().ToString();
  EXPECT_TRUE(Contains(facts.error().message(), socket_)) << facts.error().message();
}

// Root may connect anywhere, so as root the probe runs in a child dropped to uid 65534.
TEST_F(DockerProbeTest, PermissionDeniedIsAnError) {
  StartEngine(kVersion20, kInfoOverlay2);
  ASSERT_EQ(::chmod(run_.path().c_str(), 0755), 0);
  // root:root 0660 as docker's socket is (minus the docker group); when we own it ourselves,
  // read-only is what denies us.
  ASSERT_EQ(::chmod(socket_.c_str(), ::geteuid() == 0 ? 0660 : 0400), 0);
  auto denied = [this]() {
    Result<Facts> facts = Run();
    return !facts && facts.error().code() == ErrorCode::kPermissionDenied &&
           Contains(facts.error().message(), socket_);
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(denied());
    return;
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;
    ::_exit(dropped ? (denied() ? 0 : 1) : 2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: not PermissionDenied, 2: could not drop root";
  EXPECT_EQ(engine_.requests(), 0);
}

}  // namespace
}  // namespace flightcheck
