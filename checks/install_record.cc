#include "checks/install_record.h"

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {

Result<std::optional<InstallRecord>> ParseInstallRecord(std::string_view text) {
  if (text.size() > kMaxInstallRecordBytes) {
    return Status::ParseError(
        fmt::format("larger than {} bytes: not an install record", kMaxInstallRecordBytes));
  }
  if (Trim(text).empty()) return std::optional<InstallRecord>();
  InstallRecord record;
  bool has_artifact = false;
  int line_number = 0;
  for (std::string_view line : SplitLines(text)) {
    ++line_number;
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    const size_t equals = line.find('=');
    if (equals == std::string_view::npos || Trim(line.substr(0, equals)).empty()) {
      return Status::ParseError(
          fmt::format("line {}: expected key=value, got {}", line_number, QuoteForMessage(line)));
    }
    const std::string_view key = Trim(line.substr(0, equals));
    std::string value(Trim(line.substr(equals + 1)));
    if (key == "artifact") {
      record.artifact = std::move(value);
      has_artifact = true;
    } else if (key == "config_hash") {
      record.config_hash = std::move(value);
    } else if (key == "cluster_hash") {
      record.cluster_hash = std::move(value);
    } else if (key == "role") {
      record.role = std::move(value);
    } else if (key == "installed_at") {
      record.installed_at = std::move(value);
    }
  }
  if (!has_artifact || record.artifact.empty()) {
    return Status::ParseError("no artifact= line: not a complete install record");
  }
  return std::optional<InstallRecord>(std::move(record));
}

}  // namespace flightcheck
