// A cluster support bundle (issue 11): each node's part, a bundle its own `flightcheck bundle
// create` made (collector/node_bundle.h), merged under "<ip>_<role>/" into one BundleWriter, and a
// report.json of every node (address, role, status, why, log, entries merged) at the top.
//
// A part is read twice: first every entry name is checked (CheckEntryName: nothing relative that
// climbs out, nothing absolute, no NUL or backslash; no link or device entry), and a part with
// any bad name is refused whole, so that nothing of a node that sends such a part is in the
// bundle and the node is recorded as failed with the name; then its entries are streamed into
// the bundle. Entries already under the node's directory keep their name; the part's own
// manifest.json and summaryErrorsReport.txt go into that directory. Each merged entry is an item
// of the cluster manifest (source "node:<ip>_<role>"), redacted again with the cluster's
// secrets.
//
// Failure: a part refused for its names is AddPart's error and leaves the bundle as it was; one
// whose data turns out corrupt half-way keeps the entries merged before (each whole, counted as
// the node's "entries" in report.json) and fails. An error of the bundle itself (a full disk) is
// also returned by every later call and by Finish. An entry past the item cap is not decompressed
// further (the item is marked truncated): a part cannot make the merge read without end.
// report.json's "collected" counts the nodes whose status is success, "missing" the others.
// Thread-safety: one thread at a time.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checks/status.h"
#include "collector/bundle_writer.h"

namespace flightcheck {

struct ClusterNode {
  std::string address{};
  std::string role{};
  std::string status{};   // runner/stage_state.h's names: success, failed, unreachable, ...
  std::string message{};  // why, for a node whose part is missing
  std::string log{};      // the fan-out's log of the node, relative to genconf/
};

class ClusterBundle {
 public:
  explicit ClusterBundle(BundleWriter& writer) : writer_(writer) {}

  // "<address>_<role>": a node's directory in the bundle.
  static std::string NodeDirectory(const std::string& address, const std::string& role);

  Status AddPart(const std::string& address, const std::string& role, int fd);
  // The bootstrap node's own part under "bootstrap/": genconf/state/ (each stage's outcome) and
  // genconf/logs/ (each stage's log per host), regular files only (a link is not followed), at
  // most kMaxBootstrapFiles, redacted as every item. Missing directories add nothing. Only the
  // bundle's own failure is returned.
  Status AddBootstrap(const std::filesystem::path& genconf);
  static constexpr size_t kMaxBootstrapFiles = 10000;
  // Adds report.json and commits the bundle.
  Status Finish(const std::vector<ClusterNode>& nodes);

  // report.json's document: schema flightcheck/cluster-bundle-report/v1. Pure.
  nlohmann::json Report(const std::vector<ClusterNode>& nodes) const;

 private:
  BundleWriter& writer_;
  std::map<std::string, size_t> merged_;  // node directory → entries merged
  std::optional<size_t> bootstrap_entries_;
};

}  // namespace flightcheck
