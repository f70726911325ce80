// Parsers of the docker probe (no I/O): the Docker Engine API's GET /version and GET /info
// answers.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/status.h"

namespace flightcheck {

struct DockerVersion {
  std::string server_version;  // "Version": "20.10.24+dfsg1"
  std::string api_version;     // "ApiVersion": "1.41"
  std::string min_api_version;
  std::string os;
  std::string arch;
  std::string kernel_version;
};

struct DockerInfo {
  std::string storage_driver;  // "Driver": "overlay2", "devicemapper", "vfs"...
  std::string cgroup_driver;   // "CgroupDriver": "cgroupfs" or "systemd"; "" on old daemons
  std::string root_dir;        // "DockerRootDir"
  std::string server_version;  // "ServerVersion"
  // "DriverStatus" pairs in order, e.g. {"Data file", "/dev/loop0"}; empty when null.
  std::vector<std::pair<std::string, std::string>> driver_status;
  std::string data_file;            // value of the "Data file" entry, "" without one
  bool loopback_data_file = false;  // data_file is a loop device (devicemapper loop-lvm)
};

// Parses the body of GET /version. ParseError when it is not a JSON object with a string
// "Version"; other fields are "" when absent.
Result<DockerVersion> ParseDockerVersion(std::string_view json_text);

// Parses the body of GET /info. ParseError when it is not a JSON object with a string "Driver"
// or when DriverStatus is neither null nor a list of [key, value] string pairs.
Result<DockerInfo> ParseDockerInfo(std::string_view json_text);

}  // namespace flightcheck
