// The DC/OS installer's command line (`dcos_generate_config.sh --genconf -v`) on flightcheck:
// DC/OS runbooks keep working, and a DC/OS flag flightcheck does not implement says so plainly
// instead of failing as an unknown option.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "checks/status.h"

namespace flightcheck::cli {

// Rewrites the arguments (without argv[0]) into flightcheck's own command line:
//  - a DC/OS command flag (--validate-config, --genconf, --preflight, --deploy, --postflight,
//    --uninstall, --hash-password) in any position, when none of commands (flightcheck's command
//    names) comes before it, becomes that command, first; the other arguments keep their order;
//  - -v and --verbose anywhere (before a `--`) are accepted with the install driver's commands,
//    as DC/OS accepted them; they change nothing, since flightcheck prints every problem anyway;
//  - a DC/OS flag flightcheck does not implement (--install-prereqs, --offline, --web,
//    --set-superuser-password, --aws-cloudformation, --generate-node-upgrade-script,
//    --cli-telemetry-disabled) anywhere, or two command flags, is InvalidArgument saying what to
//    run instead: a usage error (exit 64).
// Everything else is returned as given.
Result<std::vector<std::string>> TranslateDcosSpellings(std::vector<std::string> args,
                                                        const std::vector<std::string>& commands);

// For --help: the DC/OS spellings in the order of an install (validate-config, genconf,
// preflight, deploy, postflight; uninstall) and the flags flightcheck does not implement.
std::string DcosSpellingsHelp();

}  // namespace flightcheck::cli
