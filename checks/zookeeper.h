// Parsers of the zookeeper probe (no I/O).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace flightcheck {

struct SrvrReply {
  // "leader", "follower", "standalone", "observer", "read-only" (the Mode: line, lower case);
  // "not serving" for "This ZooKeeper instance is not currently serving requests"; "" when the
  // reply has neither (not a srvr reply, or the command is not whitelisted).
  std::string mode;
  std::string zxid;         // "0x100000002", "" when absent
  int64_t node_count = -1;  // -1 when absent
  bool serving = false;     // leader, follower, standalone or observer
};

// Parses the reply to the four-letter word "srvr".
SrvrReply ParseSrvr(std::string_view text);

// True for the reply a server gives to a four-letter word missing from 4lw.commands.whitelist
// ("srvr is not executed because it is not in the whitelist.").
bool IsNotWhitelisted(std::string_view text);

// The value of one key of a "mntr" reply (tab-separated "zk_key\tvalue" lines), if present.
std::optional<std::string> MntrValue(std::string_view text, std::string_view key);

}  // namespace flightcheck
