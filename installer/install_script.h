// install.sh: the node side of the install driver, shipped at the top of the genconf artifact.
//
// The coordinator runs exactly these subcommands on a node, from the extracted artifact:
//   install.sh preflight <role> [flightcheck check args...]
//   install.sh postflight <role> [flightcheck check args...]
//       bin/flightcheck check --rules rules/<phase> --phase <phase> --role <role>
//       --vars-file variables.json --var host_ip=<ip> [--skip $SKIP_<PHASE>] args...;
//       exits with its code. The preflight also gets --var ip_detect_script=<artifact>/ip-detect
//       (for rules/ip-detect.yaml), and --skip ip_detect.matches_config unless args set
//       config_host_ip (the coordinator passes the address config.yaml lists for the host).
//   install.sh install <role>   (DC/OS style: install.sh <role>)
//       1 when already installed; the preflight's code (and "Preflight checks failed; nothing was
//       installed.") when it fails; otherwise extracts payload.tar[.gz] under INSTALL_PREFIX,
//       writes cluster.yaml, .flightcheck-role and .flightcheck-manifest there, and runs
//       hooks/<role>/setup; a failing step exits non-zero with the manifest written. A public
//       agent also runs ip-detect-public, for its hooks' FLIGHTCHECK_PUBLIC_IP.
//   install.sh uninstall
//       runs hooks/<role>/stop, removes the manifest's paths in reverse; 0, or 1 when some remain.
//   anything else: usage on stderr, exit 64. An ip-detect failure exits 3.
// The detect scripts run by their own "#!" line; one without it runs with sh (the shell's
// fallback when exec(2) fails with ENOEXEC).
// Roles are master, agent and public_agent; slave and slave_public are accepted as their DC/OS
// names. install.env (sourced) sets INSTALL_PREFIX, SKIP_PREFLIGHT and SKIP_POSTFLIGHT. POSIX sh
// and GNU tar.
#pragma once

#include <string_view>

namespace flightcheck {

// dist/flightcheck-health@.service, embedded at build time: shipped in every artifact as
// flightcheck-health.service, the template install.sh makes the daemon's unit from.
std::string_view HealthUnitTemplate();

// The script text. Static storage; safe from any thread.
std::string_view InstallScript();

}  // namespace flightcheck
