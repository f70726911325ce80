#include "server/cluster_bundle_job.h"

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/file_io.h"
#include "checks/scoped_fd.h"
#include "server/bundle_api.h"

namespace flightcheck::server {
namespace {

using Clock = std::chrono::steady_clock;

// The id of every node's part of one cluster bundle: fresh, so that it never meets a bundle a
// node already has (3DT used a UUID the same way), and never the cluster bundle's own id, which
// a master's store holds in the same directory.
std::string PartId() {
  std::random_device random;
  return fmt::format("part-{:08x}{:08x}", random(), random());
}

// Sleeps for duration, or less when stop is requested.
void SleepUnlessStopped(std::stop_token stop, std::chrono::milliseconds duration) {
  std::mutex mutex;
  std::condition_variable_any wake;
  std::unique_lock lock(mutex);
  wake.wait_for(lock, stop, duration, [] { return false; });
}

// The "error" of a 3DT error body, or the body's start.
std::string ErrorOf(const httplib::Result& answer) {
  const nlohmann::json body = nlohmann::json::parse(answer->body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_string()) {
    return body["error"].get<std::string>();
  }
  return answer->body.substr(0, 200);
}

bool Selected(const NodeTarget& node, const BundleRequest& request) {
  return node.role == "master" ? request.masters : request.agents;
}

class PartCollection {
 public:
  PartCollection(const ClusterBundleJobOptions& options, std::string part_id,
                 Clock::time_point until, std::stop_token stop,
                 std::function<Status(const NodeTarget&, int)> merge)
      : options_(options),
        part_id_(std::move(part_id)),
        until_(until),
        stop_(std::move(stop)),
        merge_(std::move(merge)) {}

  NodeOutcome Run(const NodeTarget& node) const {
    std::unique_ptr<httplib::Client> client = NodeClient(node, options_.client);
    const httplib::Headers headers = NodeHeaders(options_.client);
    const std::string path = fmt::format("{}/{}", kNodeBundlePath, part_id_);
    const std::string base = NodeBaseUrl(node, options_.client);

    const httplib::Result put = client->Put(path, headers, "", "application/json");
    if (!put) {
      return {.node = node,
              .status = "unreachable",
              .message = fmt::format("cannot reach {}: {}", base, httplib::to_string(put.error()))};
    }
    if (put->status != 200) {
      return {.node = node,
              .status = "failed",
              .message = fmt::format("could not start its bundle: HTTP {}: {}", put->status,
                                     ErrorOf(put))};
    }
    const NodeOutcome outcome = AwaitAndMerge(node, *client, headers, path, base);
    // Done with the node's part either way: a merged part is deleted, one given up on (not done
    // in time, stopped, not downloaded) is canceled, so that no node keeps collecting or keeps a
    // part nobody will fetch. A failure only leaves it there, which the log tells.
    const httplib::Result deleted = client->Delete(path, headers);
    if ((!deleted || deleted->status != 200) && options_.log) {
      options_.log(
          fmt::format("cluster bundle: could not delete the part {} on {}", part_id_, base));
    }
    return outcome;
  }

 private:
  // Polls the node's part until it is done, downloads it into a spool file and merges it.
  NodeOutcome AwaitAndMerge(const NodeTarget& node, httplib::Client& client,
                            const httplib::Headers& headers, const std::string& path,
                            const std::string& base) const {
    NodeOutcome outcome{.node = node, .status = "success"};
    const auto fail = [&outcome](std::string status, std::string message) {
      outcome.status = std::move(status);
      outcome.message = std::move(message);
      return outcome;
    };
    std::string last_problem = "no answer to a status call yet";
    while (true) {
      if (stop_.stop_requested()) return fail("failed", "stopped");
      if (Clock::now() >= until_) {
        return fail(
            "timeout",
            fmt::format(
                "its bundle was not done within {} s (last status: {})",
                std::chrono::duration_cast<std::chrono::seconds>(options_.job_timeout).count(),
                last_problem));
      }
      SleepUnlessStopped(stop_, options_.status_interval);
      const httplib::Result got = client.Get(path, headers);
      // A status call that fails is asked again: the node may be busy collecting.
      if (!got) {
        last_problem = fmt::format("cannot reach {}: {}", base, httplib::to_string(got.error()));
        continue;
      }
      if (got->status != 200) {
        last_problem = fmt::format("HTTP {}: {}", got->status, ErrorOf(got));
        continue;
      }
      Result<BundleState> state =
          ParseBundleStateJson(nlohmann::json::parse(got->body, nullptr, false));
      if (!state) {
        last_problem = state.error().message();
        continue;
      }
      if (state->status == BundleStatus::kDone) break;
      last_problem = std::string(BundleStatusName(state->status));
      if (state->status != BundleStatus::kStarted && state->status != BundleStatus::kInProgress) {
        std::string why = fmt::format("its bundle ended {}", BundleStatusName(state->status));
        if (!state->errors.empty()) why += ": " + state->errors.front();
        return fail("failed", why);
      }
    }

    Result<ScopedFd> spool = OpenUnnamedFile(options_.spool_dir);
    if (!spool) return fail("failed", spool.error().message());
    uint64_t bytes = 0;
    std::string write_problem;
    const httplib::Result file =
        client.Get(path + "/file", headers, [&](const char* data, size_t length) {
          if (stop_.stop_requested() || Clock::now() >= until_) {
            write_problem = stop_.stop_requested() ? "stopped" : "the download outlasted the job";
            return false;
          }
          bytes += length;
          if (bytes > options_.max_part_bytes) {
            write_problem =
                fmt::format("its bundle is larger than {} bytes", options_.max_part_bytes);
            return false;
          }
          Status written =
              WriteAll(spool->get(), std::string_view(data, length), options_.spool_dir);
          if (!written.ok()) write_problem = written.message();
          return written.ok();
        });
    if (!write_problem.empty()) return fail("failed", "downloading its bundle: " + write_problem);
    if (!file) {
      return fail("failed",
                  fmt::format("downloading its bundle: {}", httplib::to_string(file.error())));
    }
    if (file->status != 200) {
      return fail("failed",
                  fmt::format("downloading its bundle: HTTP {}: {}", file->status, ErrorOf(file)));
    }
    if (Status merged = merge_(node, spool->get()); !merged.ok()) {
      return fail("failed", merged.message());
    }
    return outcome;
  }

  const ClusterBundleJobOptions& options_;
  std::string part_id_;
  Clock::time_point until_;
  std::stop_token stop_;
  std::function<Status(const NodeTarget&, int)> merge_;
};

Result<std::vector<std::string>> CollectClusterBundle(const ClusterBundleJobOptions& options,
                                                      const std::filesystem::path& output,
                                                      const BundleRequest& request,
                                                      std::stop_token stop) {
  std::vector<NodeTarget> nodes;
  for (const NodeTarget& node : options.nodes ? options.nodes() : std::vector<NodeTarget>{}) {
    if (Selected(node, request)) nodes.push_back(node);
  }
  if (nodes.empty()) {
    return Status::InvalidArgument(
        fmt::format("no node to collect: the daemon knows no {} (its --nodes or the cluster "
                    "config's lists)",
                    request.masters && request.agents ? "nodes"
                    : request.masters                 ? "masters"
                    : request.agents                  ? "agents"
                                                      : "nodes of the roles asked for"));
  }
  Result<std::unique_ptr<ClusterPartMerger>> merger = options.merger(output);
  if (!merger) return merger.error();
  std::mutex merging;
  const PartCollection collection(options, PartId(), Clock::now() + options.job_timeout, stop,
                                  [&](const NodeTarget& node, int fd) {
                                    std::lock_guard lock(merging);
                                    return (*merger)->AddPart(node, fd);
                                  });

  std::vector<NodeOutcome> outcomes(nodes.size());
  std::atomic<size_t> next{0};
  const size_t workers =
      std::min(nodes.size(), static_cast<size_t>(std::max(1, options.client.parallelism)));
  {
    std::vector<std::jthread> threads;
    for (size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < nodes.size(); i = next++) {
          outcomes[i] = collection.Run(nodes[i]);
        }
      });
    }
  }
  if (stop.stop_requested()) return Status::Unavailable("stopped");

  std::vector<std::string> errors;
  for (const NodeOutcome& outcome : outcomes) {
    if (outcome.status == "success") continue;
    errors.push_back(fmt::format("{} ({}): {}: {}", outcome.node.ip, outcome.node.role,
                                 outcome.status, outcome.message));
    if (options.log) options.log("cluster bundle: " + errors.back());
  }
  if (Status finished = (*merger)->Finish(outcomes); !finished.ok()) return finished;
  return errors;
}

}  // namespace

BundleStore::Collector ClusterBundleCollector(ClusterBundleJobOptions options) {
  return [options = std::move(options)](const std::filesystem::path& output,
                                        const BundleRequest& request, std::stop_token stop) {
    return CollectClusterBundle(options, output, request, stop);
  };
}

}  // namespace flightcheck::server
