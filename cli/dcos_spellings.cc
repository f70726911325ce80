#include "cli/dcos_spellings.h"

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck::cli {
namespace {

// Every flag of DC/OS 1.11's dcos_generate_config.sh that is not flightcheck's own (--help,
// --version): the commands in the order of an install, then what flightcheck does not do and
// what to run instead. -v/--verbose is handled apart (it goes with any command).
struct DcosFlag {
  std::string_view flag;
  std::string_view command;  // "" for a flag flightcheck does not implement
  std::string_view instead;  // for those: the message
};
constexpr DcosFlag kDcosFlags[] = {
    {"--validate-config", "validate-config", ""},
    {"--genconf", "genconf", ""},
    {"--preflight", "preflight", ""},
    {"--deploy", "deploy", ""},
    {"--postflight", "postflight", ""},
    {"--uninstall", "uninstall", ""},
    {"--hash-password", "hash-password", ""},
    {"--install-prereqs", "",
     "flightcheck does not install prerequisites on the hosts: install Docker and the packages "
     "DC/OS needs with your own tooling, then run `flightcheck preflight`, which checks each of "
     "them"},
    {"--offline", "",
     "flightcheck has no web installer for --offline to change, and it downloads nothing: run "
     "the command without --offline"},
    {"--web", "",
     "flightcheck has no web installer: run `flightcheck validate-config`, `flightcheck "
     "genconf`, `flightcheck preflight`, `flightcheck deploy` and `flightcheck postflight` in "
     "turn"},
    {"--set-superuser-password", "",
     "flightcheck does not edit config.yaml: run `flightcheck hash-password` and set "
     "superuser_password_hash to the hash it prints"},
    {"--aws-cloudformation", "",
     "flightcheck installs on hosts you already have; it does not make AWS CloudFormation "
     "templates"},
    {"--generate-node-upgrade-script", "", "flightcheck does not upgrade clusters"},
    {"--cli-telemetry-disabled", "",
     "flightcheck sends no telemetry, so there is nothing to disable: run the command without "
     "--cli-telemetry-disabled"},
};

// The commands -v/--verbose goes with: the install driver's, as in DC/OS.
bool IsInstallerCommand(std::string_view command) {
  return std::any_of(std::begin(kDcosFlags), std::end(kDcosFlags),
                     [command](const DcosFlag& f) { return f.command == command; });
}

const DcosFlag* FindFlag(std::string_view arg) {
  const auto it = std::find_if(std::begin(kDcosFlags), std::end(kDcosFlags),
                               [arg](const DcosFlag& f) { return f.flag == arg; });
  return it == std::end(kDcosFlags) ? nullptr : &*it;
}

}  // namespace

Result<std::vector<std::string>> TranslateDcosSpellings(std::vector<std::string> args,
                                                        const std::vector<std::string>& commands) {
  const auto end = std::find(args.begin(), args.end(), "--");
  std::vector<std::string> command_flags;
  auto command_flag = end;
  for (auto it = args.begin(); it != end; ++it) {
    const DcosFlag* flag = FindFlag(*it);
    if (flag == nullptr) continue;
    if (flag->command.empty()) {
      return Status::InvalidArgument(fmt::format("{}: {}", flag->flag, flag->instead));
    }
    command_flags.push_back(*it);
    if (command_flag == end) command_flag = it;
  }
  if (command_flags.size() > 1) {
    return Status::InvalidArgument(
        fmt::format("{} are {} commands; run one at a time, in the order validate-config, genconf, "
                    "preflight, deploy, postflight",
                    JoinStrings(command_flags, " and "), command_flags.size()));
  }
  // The command word: the first of commands among the arguments.
  auto word = std::find_if(args.begin(), end, [&](const std::string& a) {
    return std::find(commands.begin(), commands.end(), a) != commands.end();
  });
  if (command_flag != end && (word == end || word > command_flag)) {
    std::string command(FindFlag(*command_flag)->command);
    args.erase(command_flag);
    args.insert(args.begin(), std::move(command));
    word = args.begin();
  }
  if (word != args.end() && IsInstallerCommand(*word)) {
    const auto last = std::find(args.begin(), args.end(), "--");
    args.erase(std::remove_if(args.begin(), last,
                              [](const std::string& a) { return a == "-v" || a == "--verbose"; }),
               last);
  }
  return args;
}

std::string DcosSpellingsHelp() {
  std::string help =
      "DC/OS installer spellings (dcos_generate_config.sh), in the order of an install; -v and "
      "--verbose are accepted with them anywhere:\n";
  std::vector<std::string> refused;
  for (const DcosFlag& flag : kDcosFlags) {
    if (flag.command.empty()) {
      refused.emplace_back(flag.flag);
    } else {
      help += fmt::format("  {:<19} flightcheck {}\n", flag.flag, flag.command);
    }
  }
  return help +
         fmt::format("Not done by flightcheck (each says what to run instead, exit 64): {}\n",
                     JoinStrings(refused));
}

}  // namespace flightcheck::cli
