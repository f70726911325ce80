// Parsers of the disk probe (no I/O), and the host-path resolver it shares with the file probe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "checks/host_context.h"
#include "checks/status.h"

namespace flightcheck {

// One line of /proc/<pid>/mountinfo (proc(5)), escapes decoded.
struct MountEntry {
  std::string mount_point;           // "/", "/opt", "/mnt/my disk"
  std::string fstype;                // "xfs", "tmpfs", "overlay"
  std::string source;                // "/dev/sda1", "tmpfs"
  std::vector<std::string> options;  // per-mount options, then the superblock's (as findmnt)
};

// Decodes the octal escapes the kernel writes for space, tab, newline and backslash ("\040").
std::string DecodeMountField(std::string_view field);

// Parses mountinfo text, in file order. ParseError naming the line number when a non-empty line
// lacks the "-" separator or the fields around it.
Result<std::vector<MountEntry>> ParseMountInfo(std::string_view text);

// The mount that contains absolute path `path`: the longest mount point that is a prefix of path
// by whole components ("/opt" contains "/opt/x", not "/optx"); among equal mount points the last
// one (mounted on top) wins. nullptr when nothing matches (no "/" entry).
const MountEntry* FindMount(const std::vector<MountEntry>& mounts, std::string_view path);

}  // namespace flightcheck
