// extra_ssh_options that would weaken host-key checking: config.yaml's escape hatch must not turn
// off what flightcheck guarantees (every host's key is checked against a known-hosts file).
//
// ssh takes the first value given for an option and flightcheck passes its own -o options before
// the extra ones, so today such an option would be silently ignored; a user who wrote it expects
// it to apply. validate-config refuses it instead, naming the config key that does what is safe.
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace flightcheck {

// One message per option in options (the command-line words of extra_ssh_options) that sets
// StrictHostKeyChecking to no, off or false (ssh's spellings of "off"), or to accept-new, or
// UserKnownHostsFile or GlobalKnownHostsFile to /dev/null. Every spelling ssh reads counts:
// `-o Key=Value`, `-oKey=Value`, `-o "Key Value"`, `-o Key Value` (a string split on spaces), any
// case of the key and of the value, the value in double quotes. Each message starts with the
// option as written in backquotes and says what to do instead. Empty when none does.
std::vector<std::string> WeakenedHostKeyChecks(const std::vector<std::string>& options);

}  // namespace flightcheck
