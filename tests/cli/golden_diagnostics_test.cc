// Golden diagnostics: broken rule files and bad flags, each with the exact message a user sees and
// the exit code (65: invalid rule file, nothing ran; 64: usage error). Compared as whole strings,
// caret lines included, as ninja's ParserTest.Errors does.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/cli/run_flightcheck.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

struct GoldenCase {
  const char* name;
  const char* file_name;
  const char* file_text;
  std::vector<std::string> args;
  int exit_code;
  const char* stderr_text;
};

// The rule file of the flag cases: valid, so only the flag can be wrong.
constexpr const char* kValidRules = R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true}
)golden";

const GoldenCase kCases[] = {
    {"syntax_error",
     "syntax_error.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true
  - id: next
)golden",
     {"check", "--rules", "syntax_error.yaml"},
     65,
     R"golden(syntax_error.yaml:8:7: error: invalid YAML: did not find expected ',' or '}' (while parsing a flow mapping at line 7, column 13)
  - id: next
      ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_key",
     "unknown_key.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expct: {running: true}
)golden",
     {"check", "--rules", "unknown_key.yaml"},
     65,
     R"golden(unknown_key.yaml:7:5: error: unknown key 'expct' in rule 'docker.running' (did you mean 'expect'?)
    expct: {running: true}
    ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_probe",
     "unknown_probe.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: dockr
    expect: {running: true}
)golden",
     {"check", "--rules", "unknown_probe.yaml"},
     65,
     R"golden(unknown_probe.yaml:6:12: error: unknown probe 'dockr' (did you mean 'docker'?); `flightcheck probes` lists them
    probe: dockr
           ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"wrong_param_type",
     "wrong_param_type.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: zk
    probe: {zookeeper: {servers: [127.0.0.1], port: two}}
    expect: {quorum: true}
)golden",
     {"check", "--rules", "wrong_param_type.yaml"},
     65,
     R"golden(wrong_param_type.yaml:6:53: error: parameter 'port' must be an integer, got string "two" (probe 'zookeeper')
    probe: {zookeeper: {servers: [127.0.0.1], port: two}}
                                                    ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_param",
     "unknown_param.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: opt
    probe: {disk: {pth: /opt}}
    expect: {same_filesystem_as_root: true}
)golden",
     {"check", "--rules", "unknown_param.yaml"},
     65,
     R"golden(unknown_param.yaml:6:20: error: probe 'disk' has no parameter 'pth' (did you mean 'path'?); parameters: path
    probe: {disk: {pth: /opt}}
                   ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"duplicate_id",
     "duplicate_id.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true}
  - id: docker.running
    probe: docker
    expect: {installed: true}
)golden",
     {"check", "--rules", "duplicate_id.yaml"},
     65,
     R"golden(duplicate_id.yaml:8:9: error: duplicate rule id 'docker.running' (first defined at duplicate_id.yaml:5:5)
  - id: docker.running
        ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"duplicate_key",
     "duplicate_key.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true}
    expect: {installed: true}
)golden",
     {"check", "--rules", "duplicate_key.yaml"},
     65,
     R"golden(duplicate_key.yaml:8:5: error: duplicate key 'expect' (first at line 7); remove one of them
    expect: {installed: true}
    ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"cycle",
     "cycle.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: a
    requires: [c]
    probe: docker
    expect: {running: true}
  - id: b
    requires: [a]
    probe: docker
    expect: {running: true}
  - id: c
    requires: [b]
    probe: docker
    expect: {running: true}
)golden",
     {"check", "--rules", "cycle.yaml"},
     65,
     R"golden(cycle.yaml:10:16: error: requirement cycle: a -> c -> b -> a; a rule cannot depend on itself
    requires: [a]
               ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_requirement",
     "unknown_requirement.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true}
  - id: docker.version
    requires: [docker.runing]
    probe: docker
    expect: {server_version: {semver: ">=1.13.1"}}
)golden",
     {"check", "--rules", "unknown_requirement.yaml"},
     65,
     R"golden(unknown_requirement.yaml:9:16: error: rule 'docker.version' requires unknown rule 'docker.runing' (did you mean 'docker.running'?)
    requires: [docker.runing]
               ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"empty_expect",
     "empty_expect.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {}
)golden",
     {"check", "--rules", "empty_expect.yaml"},
     65,
     R"golden(empty_expect.yaml:7:13: error: empty 'expect' in rule 'docker.running': name at least one fact the probe must report (facts of 'docker': installed, socket, running, server_version, api_version, storage_driver, cgroup_driver, root_dir, loopback_data_file, data_file, detail)
    expect: {}
            ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"bad_duration",
     "bad_duration.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    timeout: 5x
    expect: {running: true}
)golden",
     {"check", "--rules", "bad_duration.yaml"},
     65,
     R"golden(bad_duration.yaml:7:14: error: invalid duration for 'timeout': unknown unit 'x' in '5x'; durations take ns, us, ms, s, m or h (e.g. 5s)
    timeout: 5x
             ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"bad_size_unit",
     "bad_size_unit.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: memory
    probe: host
    expect: {memory: {ge: 32GiBs}}
)golden",
     {"check", "--rules", "bad_size_unit.yaml"},
     65,
     R"golden(bad_size_unit.yaml:7:27: error: invalid value for 'ge': unknown unit 'GiBs' in '32GiBs' (did you mean 'GiB'?); sizes take B, KB, MB, GB, TB, KiB, MiB, GiB or TiB, durations ns, us, ms, s, m or h
    expect: {memory: {ge: 32GiBs}}
                          ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"bad_semver",
     "bad_semver.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.version
    probe: docker
    expect: {server_version: {semver: ">=1.x"}}
)golden",
     {"check", "--rules", "bad_semver.yaml"},
     65,
     R"golden(bad_semver.yaml:7:39: error: invalid semver constraint: '1.x' in version constraint '>=1.x' is not a version (expected digits and dots, e.g. >=1.13.1)
    expect: {server_version: {semver: ">=1.x"}}
                                      ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"bad_regex",
     "bad_regex.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: kernel
    probe: os
    expect: {kernel_release: {regex: "^(3|4"}}
)golden",
     {"check", "--rules", "bad_regex.yaml"},
     65,
     R"golden(bad_regex.yaml:7:38: error: invalid regex '^(3|4': missing ): ^(3|4
    expect: {kernel_release: {regex: "^(3|4"}}
                                     ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_fact",
     "unknown_fact.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.storage
    probe: docker
    expect: {storage_drivr: overlay2}
)golden",
     {"check", "--rules", "unknown_fact.yaml"},
     65,
     R"golden(unknown_fact.yaml:7:14: error: probe 'docker' has no fact 'storage_drivr' (did you mean 'storage_driver'?); facts: installed, socket, running, server_version, api_version, storage_driver, cgroup_driver, root_dir, loopback_data_file, data_file, detail
    expect: {storage_drivr: overlay2}
             ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_matcher",
     "unknown_matcher.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: cpus
    probe: host
    expect: {cpus: {gte: 4}}
)golden",
     {"check", "--rules", "unknown_matcher.yaml"},
     65,
     R"golden(unknown_matcher.yaml:7:21: error: unknown matcher 'gte' (did you mean 'gt'?); matchers: eq, ne, in, not_in, gt, ge, lt, le, semver, regex, contains, empty, all_of, any_of, not
    expect: {cpus: {gte: 4}}
                    ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"bad_phase",
     "bad_phase.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflite
rules: []
)golden",
     {"check", "--rules", "bad_phase.yaml"},
     65,
     R"golden(bad_phase.yaml:3:8: error: unknown phase 'preflite' (did you mean 'preflight'?); phases are preflight, postflight, health
phase: preflite
       ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"many_errors",
     "many_errors.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: one
    probe: docker
    expect: {runing: true}
    severity: fatal
  - id: two
    roles: [mastr]
    probe: {ports: {tcp: [80, http]}}
    expect: {listening: {in: 80}}
    retry: {within: 1m}
)golden",
     {"check", "--rules", "many_errors.yaml"},
     65,
     R"golden(many_errors.yaml:7:14: error: probe 'docker' has no fact 'runing' (did you mean 'running'?); facts: installed, socket, running, server_version, api_version, storage_driver, cgroup_driver, root_dir, loopback_data_file, data_file, detail
    expect: {runing: true}
             ^
many_errors.yaml:8:15: error: unknown severity 'fatal' (did you mean 'fail'?); severities are fail, warn, info
    severity: fatal
              ^
many_errors.yaml:10:13: error: unknown role 'mastr' (did you mean 'master'?); roles are bootstrap, master, agent, public_agent
    roles: [mastr]
            ^
many_errors.yaml:11:26: error: parameter 'tcp' must be a list of integers, got list [80,"http"] (probe 'ports')
    probe: {ports: {tcp: [80, http]}}
                         ^
many_errors.yaml:12:30: error: 'in' takes a list of values, e.g. in: [overlay2, overlay]
    expect: {listening: {in: 80}}
                             ^
many_errors.yaml:13:12: error: 'retry' needs both 'within' and 'every', e.g. {within: 60s, every: 2s}
    retry: {within: 1m}
           ^
flightcheck: 6 errors in rule files; nothing was run
)golden"},
    {"ignore_all_mixed",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--ignore", "all,docker.running"},
     64,
     R"golden(flightcheck: error: --ignore: 'all' cannot be combined with rule ids (got 'all,docker.running'); pass either --ignore all or a list of ids
Run 'flightcheck --help' for usage.
)golden"},
    {"unknown_format",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--format", "yml"},
     64,
     R"golden(flightcheck: error: --format: unknown format 'yml'; formats: text, json, junit, tap, prometheus, nagios
Run 'flightcheck --help' for usage.
)golden"},
    {"missing_rules_file",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "nope.yaml"},
     65,
     R"golden(nope.yaml: error: no such file or directory
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"unknown_phase_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--phase", "postflite"},
     64,
     R"golden(flightcheck: error: --phase: unknown phase 'postflite' (did you mean 'postflight'?); phases: preflight, postflight, health
Run 'flightcheck --help' for usage.
)golden"},
    {"bad_var_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--var", "master_list"},
     64,
     R"golden(flightcheck: error: --var 'master_list': expected NAME=VALUE (e.g. --var master_list=10.0.0.1,10.0.0.2)
Run 'flightcheck --help' for usage.
)golden"},
    {"unknown_only_id",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--only", "docker.runing"},
     64,
     R"golden(flightcheck: error: --only: no rule 'docker.runing' (did you mean 'docker.running'?)
Run 'flightcheck --help' for usage.
)golden"},
    {"unknown_ignore_id",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--ignore", "dockr.running"},
     64,
     R"golden(flightcheck: error: --ignore: no rule 'dockr.running' (did you mean 'docker.running'?)
Run 'flightcheck --help' for usage.
)golden"},
    {"bad_deadline_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--deadline", "soon"},
     64,
     R"golden(flightcheck: error: --deadline: 'soon' is not a duration (expected a number with a unit: ms, s, m or h, e.g. 5s)
Run 'flightcheck --help' for usage.
)golden"},
    {"bad_parallel_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--parallel", "0"},
     64,
     R"golden(flightcheck: error: --parallel: 0 is out of range (1 to 256)
Run 'flightcheck --help' for usage.
)golden"},
    {"unknown_role_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--role", "slave-public"},
     64,
     R"golden(flightcheck: error: --role: unknown role 'slave-public' (did you mean 'slave_public'?); roles: bootstrap, master, agent, public_agent (or DC/OS's slave, slave_public)
Run 'flightcheck --help' for usage.
)golden"},
    {"root_not_a_directory",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--root", "/nonexistent"},
     64,
     R"golden(flightcheck: error: --root: '/nonexistent' is not a directory
Run 'flightcheck --help' for usage.
)golden"},
    {"unknown_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--fromat", "json"},
     64,
     R"golden(flightcheck: error: unknown option '--fromat' for 'check' (did you mean '--format'?)
Run 'flightcheck --help' for usage.
)golden"},
    {"unknown_command",
     "ok.yaml",
     kValidRules,
     {"chek"},
     64,
     R"golden(flightcheck: error: unknown command 'chek' (did you mean 'check'?)
Run 'flightcheck --help' for usage.
)golden"},
    {"validate_broken",
     "unknown_probe.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: dockr
    expect: {running: true}
)golden",
     {"rules", "validate", "unknown_probe.yaml"},
     65,
     R"golden(unknown_probe.yaml:6:12: error: unknown probe 'dockr' (did you mean 'docker'?); `flightcheck probes` lists them
    probe: dockr
           ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"rules_show_missing_file",
     "ok.yaml",
     kValidRules,
     {"rules", "show", "--rules", "nope.yaml"},
     65,
     R"golden(nope.yaml: error: no such file or directory
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"rules_show_unknown_id",
     "ok.yaml",
     kValidRules,
     {"rules", "show", "docker.runing", "--rules", "ok.yaml"},
     64,
     R"golden(flightcheck: error: rules show: no rule 'docker.runing' (did you mean 'docker.running'?)
Run 'flightcheck --help' for usage.
)golden"},
    {"bad_color_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--color", "sometimes"},
     64,
     R"golden(flightcheck: error: --color: 'sometimes' is not one of auto, always, never
Run 'flightcheck --help' for usage.
)golden"},
    {"zero_timeout_flag",
     "ok.yaml",
     kValidRules,
     {"check", "--rules", "ok.yaml", "--timeout", "0"},
     64,
     R"golden(flightcheck: error: --timeout: must be longer than 0
Run 'flightcheck --help' for usage.
)golden"},
    {"nul_in_path",
     "nul.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: hostname
    probe: {file: {path: "/etc/hostname\0x"}}
    expect: {exists: true}
)golden",
     {"check", "--rules", "nul.yaml"},
     65,
     R"golden(nul.yaml:6:26: error: invalid YAML: the string contains a NUL byte (\0); no path, command, name or address can hold one
    probe: {file: {path: "/etc/hostname\0x"}}
                         ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"nul_in_argv",
     "nul.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: runs
    probe: {command: {argv: ["tr\0ue"]}}
    expect: {exit_code: 0}
)golden",
     {"check", "--rules", "nul.yaml"},
     65,
     R"golden(nul.yaml:6:30: error: invalid YAML: the string contains a NUL byte (\0); no path, command, name or address can hold one
    probe: {command: {argv: ["tr\0ue"]}}
                             ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"second_document",
     "two.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true}
---
rules: [broken
)golden",
     {"check", "--rules", "two.yaml"},
     65,
     R"golden(two.yaml:8:1: error: invalid YAML: a second YAML document starts here; the file must hold one document (remove the '---' line or move the rest to its own file)
---
^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"duration_overflow",
     "long.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    timeout: 1e20s
    retry: {within: 1e20s, every: 1s}
    probe: docker
    expect: {running: true}
)golden",
     {"check", "--rules", "long.yaml"},
     65,
     R"golden(long.yaml:6:14: error: invalid duration for 'timeout': duration '1e20s' is too long; at most 366 days (8784h)
    timeout: 1e20s
             ^
long.yaml:7:21: error: invalid duration for 'retry.within': duration '1e20s' is too long; at most 366 days (8784h)
    retry: {within: 1e20s, every: 1s}
                    ^
flightcheck: 2 errors in rule files; nothing was run
)golden"},
    {"api_version_list",
     "api.yaml",
     R"golden(apiVersion: [flightcheck/v1]
kind: RuleSet
phase: preflight
rules:
  - id: docker.running
    probe: docker
    expect: {running: true}
)golden",
     {"check", "--rules", "api.yaml"},
     65,
     R"golden(api.yaml:1:13: error: 'apiVersion' must be the string 'flightcheck/v1', not a list
apiVersion: [flightcheck/v1]
            ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"positions_after_a_non_string_id",
     "ids.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: [not, a, string]
    probe: docker
    expect: {running: true}
  - id: twice
    probe: docker
    expect: {running: true}
  - id: twice
    probe: docker
    expect: {running: true}
)golden",
     {"check", "--rules", "ids.yaml"},
     65,
     R"golden(ids.yaml:5:9: error: 'id' must be a string
  - id: [not, a, string]
        ^
ids.yaml:11:9: error: duplicate rule id 'twice' (first defined at ids.yaml:8:5)
  - id: twice
        ^
flightcheck: 2 errors in rule files; nothing was run
)golden"},
    {"duplicate_through_an_alias",
     "alias.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - &rule
    id: docker.running
    probe: docker
    expect: {running: true}
  - *rule
)golden",
     {"check", "--rules", "alias.yaml"},
     65,
     R"golden(alias.yaml:9:5: error: duplicate rule id 'docker.running' (first defined at alias.yaml:5:5)
  - *rule
    ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"huge_regex",
     "re.yaml",
     nullptr,
     {"check", "--rules", "re.yaml"},
     65,
     R"golden(re.yaml:7:38: error: the pattern is 100000 bytes long; at most 4096 are allowed
    expect: {kernel_release: {regex: "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...
                                     ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"alias_bomb",
     "bomb.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
rules: []
)golden",
     {"check", "--rules", "bomb.yaml"},
     65,
     R"golden(bomb.yaml:10:8: error: invalid YAML: the document has more than 1000000 nodes with its aliases expanded; that is the limit (an alias repeated inside aliases multiplies)
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
       ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
    {"semver_example_of_the_docs",
     "semver.yaml",
     R"golden(apiVersion: flightcheck/v1
kind: RuleSet
phase: preflight
rules:
  - id: docker.version
    probe: docker
    expect: {server_version: {semver: ">=1.13.1, <25 || =0.0.0-dev"}}
  - id: unknown
    probe: dockr
    expect: {running: true}
)golden",
     {"rules", "validate", "semver.yaml"},
     65,
     R"golden(semver.yaml:9:12: error: unknown probe 'dockr' (did you mean 'docker'?); `flightcheck probes` lists them
    probe: dockr
           ^
flightcheck: 1 error in rule files; nothing was run
)golden"},
};
// A rule whose regex is 100,000 characters long (std::regex overflowed the stack compiling it).
std::string HugeRegexRules() {
  return "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\nrules:\n  - id: os\n"
         "    probe: os\n    expect: {kernel_release: {regex: \"" +
         std::string(100000, 'a') + "\"}}\n";
}

// Names the case in gtest's messages instead of dumping the struct's bytes.
void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

class GoldenDiagnosticsTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(GoldenDiagnosticsTest, ExactMessageAndExitCode) {
  const GoldenCase& c = GetParam();
  testing::ScopedTempDir dir;
  dir.WriteFile(c.file_name, c.file_text != nullptr ? std::string(c.file_text) : HugeRegexRules());
  const testing::CliRun run = testing::RunFlightcheck(c.args, dir.path());
  EXPECT_EQ(run.err, c.stderr_text);
  EXPECT_EQ(run.exit_code, c.exit_code);
  EXPECT_EQ(run.out, "") << "nothing may run or print a report when the input is invalid";
}

INSTANTIATE_TEST_SUITE_P(Golden, GoldenDiagnosticsTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<GoldenCase>& param_info) {
                           return std::string(param_info.param.name);
                         });

// Generated hostile rule files: each ends at once with its message and exit 65.
TEST(HostileRuleFilesTest, NestingTwentyThousandLevelsIsRefusedNotACrash) {
  testing::ScopedTempDir dir;
  dir.WriteFile("deep.yaml",
                "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\nrules: " +
                    std::string(20000, '[') + std::string(20000, ']') + "\n");
  const testing::CliRun run =
      testing::RunFlightcheck({"rules", "validate", "deep.yaml"}, dir.path());
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(
      run.err,
      R"golden(deep.yaml:4:72: error: invalid YAML: nesting deeper than 64 levels; that is the limit
...[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[...
                                                               ^
flightcheck: 1 error in rule files; nothing was run
)golden");
}

TEST(HostileRuleFilesTest, ARequirementCycleOfSixtyThousandRulesIsNamedShortly) {
  std::string text = "apiVersion: flightcheck/v1\nkind: RuleSet\nphase: preflight\nrules:\n";
  constexpr int kRules = 60000;
  for (int i = 0; i < kRules; ++i) {
    text +=
        fmt::format("- {{id: r{}, requires: [r{}], probe: docker, expect: {{running: true}}}}\n", i,
                    (i + 1) % kRules);
  }
  testing::ScopedTempDir dir;
  dir.WriteFile("cycle.yaml", text);
  const testing::CliRun run =
      testing::RunFlightcheck({"rules", "validate", "cycle.yaml"}, dir.path());
  EXPECT_EQ(run.exit_code, 65);
  EXPECT_EQ(
      run.err,
      R"golden(cycle.yaml:60004:27: error: requirement cycle: r0 -> r1 -> r2 -> r3 -> r4 -> r5 -> r6 -> r7 -> r8 -> r9 -> ... (59990 more) -> r0; a rule cannot depend on itself
- {id: r59999, requires: [r0], probe: docker, expect: {running: true}}
                          ^
flightcheck: 1 error in rule files; nothing was run
)golden");
}

TEST(GoldenDiagnosticsCoverageTest, AtLeastFifteenCases) { EXPECT_GE(std::size(kCases), 15u); }

}  // namespace
}  // namespace flightcheck
