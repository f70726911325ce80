#include "checks/docker.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/http_client.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

std::string StringField(const nlohmann::json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A bounded, single-line quote of a bad answer for error messages.
std::string Excerpt(std::string_view text) {
  std::string excerpt(Trim(text.substr(0, 120)));
  for (char& c : excerpt) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text.size() > 120 ? excerpt + "..." : excerpt;
}

Result<nlohmann::json> ParseObject(std::string_view json_text, std::string_view endpoint) {
  nlohmann::json json = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::ParseError(
        fmt::format("docker {} answer is not a JSON object: '{}'", endpoint, Excerpt(json_text)));
  }
  return json;
}

}  // namespace

Result<DockerVersion> ParseDockerVersion(std::string_view json_text) {
  Result<nlohmann::json> json = ParseObject(json_text, "/version");
  if (!json) return json.error();
  if (!json->contains("Version") || !(*json)["Version"].is_string()) {
    return Status::ParseError(
        fmt::format("docker /version answer has no \"Version\": '{}'", Excerpt(json_text)));
  }
  return DockerVersion{
      .server_version = StringField(*json, "Version"),
      .api_version = StringField(*json, "ApiVersion"),
      .min_api_version = StringField(*json, "MinAPIVersion"),
      .os = StringField(*json, "Os"),
      .arch = StringField(*json, "Arch"),
      .kernel_version = StringField(*json, "KernelVersion"),
  };
}

Result<DockerInfo> ParseDockerInfo(std::string_view json_text) {
  Result<nlohmann::json> json = ParseObject(json_text, "/info");
  if (!json) return json.error();
  if (!json->contains("Driver") || !(*json)["Driver"].is_string()) {
    return Status::ParseError(
        fmt::format("docker /info answer has no \"Driver\": '{}'", Excerpt(json_text)));
  }
  DockerInfo info;
  info.storage_driver = StringField(*json, "Driver");
  info.cgroup_driver = StringField(*json, "CgroupDriver");
  info.root_dir = StringField(*json, "DockerRootDir");
  info.server_version = StringField(*json, "ServerVersion");
  const nlohmann::json status = json->value("DriverStatus", nlohmann::json());
  if (!status.is_null() && !status.is_array()) {
    return Status::ParseError("docker /info \"DriverStatus\" is not a list");
  }
  for (const nlohmann::json& pair : status) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) {
      return Status::ParseError(fmt::format(
          "docker /info \"DriverStatus\" entry {} is not a [key, value] pair", pair.dump()));
    }
    info.driver_status.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  // devicemapper in loop-lvm mode (its default without a configured thin pool) reports its data
  // device as a loop device: slow and unfit for production, the classic DC/OS preflight failure.
  for (const auto& [key, value] : info.driver_status) {
    if (key == "Data file") {
      info.data_file = value;
      info.loopback_data_file = StartsWith(value, "/dev/loop");
    }
  }
  return info;
}

namespace {

ProbeDescriptor Descriptor() {
  return {
      .name = "docker",
      .summary = "Docker Engine: installed, answering on its socket, version and storage driver.",
      .params = {},
      .facts =
          {{"installed", FactType::Bool(),
            "a docker or dockerd executable is on the system PATH, or the "
            "socket exists"},
           {"socket", FactType::String(),
            "the Engine API socket asked (the host's docker socket setting)"},
           {"running", FactType::Bool(), "the daemon answered GET /version on the socket"},
           {"server_version", FactType::Version(),
            "engine version (\"20.10.24\"); \"\" when not running"},
           {"api_version", FactType::Version(),
            "Engine API version (\"1.41\"); \"\" when not running"},
           {"storage_driver", FactType::String(),
            "overlay2, devicemapper, vfs...; \"\" when not running"},
           {"cgroup_driver", FactType::String(), "cgroupfs or systemd; \"\" when not running"},
           {"root_dir", FactType::String(), "the daemon's data root; \"\" when not running"},
           {"loopback_data_file", FactType::Bool(),
            "the storage driver's \"Data file\" is a loop device (devicemapper loop-lvm)"},
           {"data_file", FactType::String(),
            "the storage driver's \"Data file\", \"\" without one"},
           {"detail", FactType::String(),
            "why the daemon is not running (no socket, connection refused); \"\" when running"}},
      .default_timeout = Milliseconds(10000),
  };
}

// GET on the Engine API. Unversioned paths, so any daemon answers with its own API version.
Result<HttpResponse> EngineGet(const std::string& socket, std::string_view path,
                               Deadline deadline) {
  HttpOptions options;
  options.unix_socket = socket;
  return HttpGet(fmt::format("http://localhost{}", path), deadline, options);
}

// The body of a complete 200 answer; an error status or an oversized body is an error.
Result<std::string> AnswerBody(Result<HttpResponse> response, std::string_view path) {
  if (!response) return response.error();
  if (response->status != 200) {
    return Status::Unavailable(fmt::format("docker answered GET {} with HTTP {}: '{}'", path,
                                           response->status, Excerpt(response->body)));
  }
  if (response->truncated) {
    return Status::ParseError(fmt::format("docker's answer to GET {} is over 1 MiB", path));
  }
  return std::move(response->body);
}

Result<Facts> Probe(const Params&, const HostContext& host, Deadline deadline) {
  // DOCKER_HOST spelling ("unix:///var/run/docker.sock") is accepted too.
  std::string_view socket_setting = host.docker_socket;
  if (StartsWith(socket_setting, "unix://")) socket_setting.remove_prefix(7);
  const std::string socket(socket_setting);
  // The socket is an endpoint on this machine, not a file of the inspected root: it is used
  // as given, while executables are looked up under the root.
  struct stat st {};
  const bool socket_exists = !socket.empty() && ::stat(socket.c_str(), &st) == 0;
  Facts facts;
  facts["installed"] = socket_exists || host.FindExecutable("dockerd").has_value() ||
                       host.FindExecutable("docker").has_value();
  facts["socket"] = socket;
  facts["running"] = false;
  for (const char* name :
       {"server_version", "api_version", "storage_driver", "cgroup_driver", "root_dir"}) {
    facts[name] = "";
  }
  facts["loopback_data_file"] = false;
  facts["data_file"] = "";
  if (socket.empty()) {
    facts["detail"] = "no docker socket configured";
    return facts;
  }

  Result<HttpResponse> version_answer = EngineGet(socket, "/version", deadline);
  // No socket or nobody listening is "not running", a fact. Permission denied or a timeout mean
  // we could not find out.
  if (!version_answer && version_answer.error().code() == ErrorCode::kUnavailable) {
    facts["detail"] = version_answer.error().message();
    return facts;
  }
  Result<std::string> version_text = AnswerBody(std::move(version_answer), "/version");
  if (!version_text) return version_text.error();
  Result<DockerVersion> version = ParseDockerVersion(*version_text);
  if (!version) return version.error();
  Result<std::string> info_text = AnswerBody(EngineGet(socket, "/info", deadline), "/info");
  if (!info_text) return info_text.error();
  Result<DockerInfo> info = ParseDockerInfo(*info_text);
  if (!info) return info.error();

  facts["running"] = true;
  facts["server_version"] = version->server_version;
  facts["api_version"] = version->api_version;
  facts["storage_driver"] = info->storage_driver;
  facts["cgroup_driver"] = info->cgroup_driver;
  facts["root_dir"] = info->root_dir;
  facts["loopback_data_file"] = info->loopback_data_file;
  facts["data_file"] = info->data_file;
  facts["detail"] = "";
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
