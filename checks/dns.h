// Parsers of the dns probe (no I/O).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flightcheck {

// The nameserver addresses of /etc/resolv.conf, in file order: the first word after each
// "nameserver" keyword. Lines starting with '#' or ';' are comments, as for the C library.
std::vector<std::string> ParseResolvConf(std::string_view text);

// The DNS RCODE name of RFC 1035/6895 ("NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
// "REFUSED", ...), "RCODE<n>" for codes without a name.
std::string DnsRcodeName(int rcode);

}  // namespace flightcheck
