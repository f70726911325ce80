#include "installer/ssh_options_policy.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include <fmt/format.h>

#include "checks/text.h"

namespace flightcheck {
namespace {

constexpr std::string_view kKeepChecking =
    "add the hosts' keys to the known-hosts file (ssh_known_hosts_file; without it "
    "~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts), or set ssh_accept_new_host_keys: true to "
    "record unknown hosts' keys on first connection";

// Option (lower case), value (lower case), and what the message says about it.
struct WeakeningOption {
  std::string_view key;
  std::string_view value;
  std::string_view effect;
  bool keep_checking = true;  // the message goes on with kKeepChecking
};
constexpr WeakeningOption kWeakeningOptions[] = {
    {"stricthostkeychecking", "no", "turns host-key checking off"},
    {"stricthostkeychecking", "off", "turns host-key checking off"},
    {"stricthostkeychecking", "false", "turns host-key checking off"},
    {"stricthostkeychecking", "accept-new",
     "is what ssh_accept_new_host_keys: true does; set that instead", false},
    {"userknownhostsfile", "/dev/null", "throws the hosts' keys away, so none is ever checked"},
    {"globalknownhostsfile", "/dev/null", "throws the hosts' keys away, so none is ever checked"},
};

struct SshOption {
  std::string written;  // as the user wrote it, for the message
  std::string key;      // lower case
  std::string value;    // lower case, without double quotes
};

std::string ValueOf(std::string_view value) {
  value = Trim(value);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return ToLower(value);
}

// ssh_config syntax: "Key=Value", "Key Value" or "Key = Value".
SshOption SplitOption(std::string_view text, std::string written) {
  const size_t end = std::min(text.find('='), text.find_first_of(" \t"));
  std::string_view value = end == std::string_view::npos ? "" : Trim(text.substr(end));
  if (value.starts_with('=')) value = value.substr(1);
  return {std::move(written), ToLower(Trim(text.substr(0, end))), ValueOf(value)};
}

// The -o options of a command line; the value of `-o Key Value` is the next word.
std::vector<SshOption> ConfigOptions(const std::vector<std::string>& words) {
  std::vector<SshOption> options;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string written = words[i];
    std::string_view text;
    if (words[i] == "-o" && i + 1 < words.size()) {
      written += " " + words[++i];
      text = words[i];
    } else if (words[i].starts_with("-o") && words[i].size() > 2) {
      text = std::string_view(words[i]).substr(2);
    } else {
      continue;
    }
    SshOption option = SplitOption(text, written);
    if (option.value.empty() && i + 1 < words.size() && !words[i + 1].starts_with('-')) {
      option.written += " " + words[++i];
      option.value = ValueOf(words[i]);
    }
    options.push_back(std::move(option));
  }
  return options;
}

}  // namespace

std::vector<std::string> WeakenedHostKeyChecks(const std::vector<std::string>& options) {
  std::vector<std::string> messages;
  for (const SshOption& option : ConfigOptions(options)) {
    for (const WeakeningOption& weakening : kWeakeningOptions) {
      if (option.key != weakening.key || option.value != weakening.value) continue;
      messages.push_back(weakening.keep_checking
                             ? fmt::format("`{}` {}, which flightcheck does not do: {}",
                                           option.written, weakening.effect, kKeepChecking)
                             : fmt::format("`{}` {}", option.written, weakening.effect));
    }
  }
  return messages;
}

}  // namespace flightcheck
