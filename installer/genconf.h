// genconf: from a validated config.yaml to the install artifact in genconf/serve/.
//
// Gathers the artifact's inputs (the rule files by phase, the rendered node config, the rules'
// variables, the detect scripts, the payload) and writes it with WriteArtifact.
//
// Blocking; reads the files the config names and writes genconf/serve/.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/scoped_fd.h"
#include "installer/artifact.h"
#include "installer/cluster_config.h"
#include "runner/diagnostics.h"

namespace flightcheck {

// Exclusive use of an install directory's genconf/: genconf holds it while it writes serve/, and
// the install stages, which read serve/ and write state/, are to take it too, so that two runs
// cannot interleave (two genconf runs with different configs could leave artifact.json naming an
// artifact the other one deleted). flock(2) on genconf/.lock: the kernel releases it when the
// holder's process ends, however it ends, so a crashed run never blocks the next. The file names
// the holder (command, pid, start time) for the message the next one gets.
//
// Ownership: move-only; the lock is released when the object goes away. Not inherited by child
// processes (the descriptor is close-on-exec).
class GenconfLock {
 public:
  // Takes the lock without waiting, creating genconf_dir when it is missing. command is one word
  // ("genconf", "preflight") recorded for others' messages. When another process holds the lock:
  // Unavailable, "another genconf (pid 4242, started 2024-05-01 12:00:00 UTC) is running in
  // /srv/genconf; run this again when it has finished". Other failures name the lock file.
  static Result<GenconfLock> Acquire(const std::filesystem::path& genconf_dir,
                                     std::string_view command);

  // Clears the holder record, then releases the lock. A record found by the next Acquire thus
  // means its holder died without getting here (killed, crashed).
  ~GenconfLock();
  GenconfLock(GenconfLock&&) = default;
  GenconfLock& operator=(GenconfLock&&) = default;

  // When the lock was left by a holder that died: "taking over the lock of deploy (pid 4242,
  // started ...), which is no longer running"; "" otherwise. For the caller to print as a note.
  const std::string& takeover_note() const { return takeover_note_; }

 private:
  GenconfLock(ScopedFd fd, std::string takeover_note)
      : fd_(std::move(fd)), takeover_note_(std::move(takeover_note)) {}
  ScopedFd fd_;
  std::string takeover_note_;
};

struct GenconfOutcome {
  Artifact artifact;
  std::vector<std::string> warnings;  // e.g. a custom rule file with no preflight/postflight rule
};

// Writes the artifact for config with binary as its bin/flightcheck, holding the GenconfLock of
// config.install_dir/genconf (its Unavailable error when another run holds it). The rule files (the
// built-in sets unless builtin_rules is false, then custom_rules) go to each phase their rules
// declare. The detect scripts: ip_detect_filename; ip_detect_public_filename and
// fault_domain_detect_filename when set (then their file must be readable: its error, prefixed
// with the key), else genconf/fault-domain-detect when it exists. Rule files that do not load:
// InvalidArgument, with every diagnostic in *rule_diagnostics and nothing written. Other failures
// as WriteArtifact's.
Result<GenconfOutcome> GenerateArtifact(const ClusterConfig& config,
                                        const std::filesystem::path& binary,
                                        DiagnosticList* rule_diagnostics);

}  // namespace flightcheck
