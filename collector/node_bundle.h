// A node's part of a support bundle: the declared sources (runner/bundle_sources.h) of this
// node's role collected into a BundleWriter under "<prefix>/" ("10.0.0.1_master"): each unit's
// journal as journal/<unit>.log (a journal source's names and globs select among the units the
// journal has entries of: no manager is needed),
// unit states as units/<id>.json, commands as commands/<id>.txt, files as files/<path>.
//
// Failure: a source that fails is an item with its error (collector/bundle_writer.h); what is
// returned is the bundle's own failure, or Unavailable("stopped") when stop was requested (the
// caller then abandons the bundle).
// Thread-safety: one call at a time per writer; the sources are collected on request.jobs threads
// at once, so host, its command runner and registry are used concurrently.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "checks/command_runner.h"
#include "checks/host_context.h"
#include "checks/probe.h"
#include "collector/bundle_writer.h"
#include "runner/bundle_sources.h"

namespace flightcheck {

// As sos report's default --threads.
inline constexpr size_t kDefaultBundleJobs = 4;

struct NodeBundleRequest {
  std::vector<BundleSource> sources;
  std::string role;                             // master, agent, public_agent
  std::string prefix;                           // the node's directory in the bundle
  std::string sources_name{};                   // where the sources came from, for messages
  std::optional<std::chrono::seconds> since{};  // overrides every journal source's
  std::stop_token stop{};
  // Sources collected at once (BundleWriter::AddAll): commands mostly wait on their processes.
  size_t jobs = kDefaultBundleJobs;
  // Called before each item is waited for, with its path; may be null.
  std::function<void(size_t done, size_t total, const std::string& path)> progress{};
};

Status CollectNodeBundle(const NodeBundleRequest& request, const HostContext& host,
                         const ProbeRegistry& registry, BundleWriter& writer);

// A whole node bundle at output: created with options, collected (CollectNodeBundle) and
// committed; what `bundle create` and the daemon's bundle API make. Returns its items. Failure:
// the bundle's own, Unavailable("stopped") when request.stop was requested, InvalidArgument when
// no source applies to request.role (a bundle of nothing is no bundle); nothing is then left at
// output.
Result<std::vector<BundleItem>> WriteNodeBundle(const std::filesystem::path& output,
                                                const BundleOptions& options,
                                                const NodeBundleRequest& request,
                                                const HostContext& host,
                                                const ProbeRegistry& registry);

// "<source>: <error>" of each required item that failed (summaryErrorsReport.txt's lines).
std::vector<std::string> RequiredFailures(const std::vector<BundleItem>& items);

}  // namespace flightcheck
