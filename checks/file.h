// Parsers of the file probe (no I/O).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace flightcheck {

// Number of lines: newline characters, plus one for a last line without one. "" has 0 lines.
int64_t CountLines(std::string_view text);

// Permission bits (with setuid, setgid, sticky) as four octal digits: "0644", "4755".
std::string FormatMode(mode_t mode);

}  // namespace flightcheck
