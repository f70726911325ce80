#include "server/node_client.h"

#include <fmt/format.h>

namespace flightcheck::server {

std::string NodeBaseUrl(const NodeTarget& node, const PollOptions& options) {
  // IPv6 addresses go in brackets in a URL's host.
  const std::string host = node.ip.find(':') != std::string::npos ? "[" + node.ip + "]" : node.ip;
  return fmt::format("{}://{}:{}", options.tls ? "https" : "http", host, node.port);
}

std::unique_ptr<httplib::Client> NodeClient(const NodeTarget& node, const PollOptions& options) {
  auto client = std::make_unique<httplib::Client>(NodeBaseUrl(node, options));
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(options.timeout);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(options.timeout - seconds);
  client->set_connection_timeout(seconds.count(), micros.count());
  client->set_read_timeout(seconds.count(), micros.count());
  client->set_write_timeout(seconds.count(), micros.count());
  client->set_keep_alive(false);
  if (options.tls && !options.ca_file.empty()) client->set_ca_cert_path(options.ca_file.c_str());
  return client;
}

httplib::Headers NodeHeaders(const PollOptions& options) {
  httplib::Headers headers;
  if (!options.token.empty()) headers.emplace("Authorization", "Bearer " + options.token);
  return headers;
}

}  // namespace flightcheck::server
