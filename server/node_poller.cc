#include "server/node_poller.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include <fmt/format.h>
#include <httplib.h>

namespace flightcheck::server {
namespace {

NodePoll PollOne(const NodeTarget& node, const PollOptions& options) {
  NodePoll poll;
  poll.ip = node.ip;
  poll.role = node.role;
  const std::string base = NodeBaseUrl(node, options);
  std::unique_ptr<httplib::Client> client = NodeClient(node, options);
  const httplib::Headers headers = NodeHeaders(options);
  std::string body;
  bool too_large = false;
  const auto started = std::chrono::steady_clock::now();
  httplib::Result answer =
      client->Get("/system/health/v1", headers, [&](const char* data, size_t length) {
        if (body.size() + length > options.max_body_bytes) {
          too_large = true;
          return false;
        }
        body.append(data, length);
        return true;
      });
  const auto took = std::chrono::steady_clock::now() - started;
  if (too_large) {
    poll.error = fmt::format("the answer is larger than {} bytes", options.max_body_bytes);
  } else if (!answer) {
    const httplib::Error error = answer.error();
    poll.error = error == httplib::Error::Read || error == httplib::Error::ConnectionTimeout ||
                         took >= options.timeout
                     ? fmt::format("no answer within {} ms", options.timeout.count())
                     : fmt::format("cannot reach {}: {}", base, httplib::to_string(error));
  } else if (answer->status != 200) {
    poll.error = fmt::format("HTTP {} from {}", answer->status, base);
  } else if (took > options.timeout) {
    poll.error = fmt::format("no answer within {} ms", options.timeout.count());
  } else {
    nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      poll.error = fmt::format("the answer from {} is not JSON", base);
    } else {
      poll.report = std::move(parsed);
    }
  }
  return poll;
}

}  // namespace

std::vector<NodePoll> PollNodes(const std::vector<NodeTarget>& nodes, const PollOptions& options) {
  std::vector<NodePoll> polls(nodes.size());
  std::atomic<size_t> next{0};
  const size_t workers =
      std::min(nodes.size(), static_cast<size_t>(std::max(1, options.parallelism)));
  std::vector<std::jthread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < nodes.size(); i = next++) polls[i] = PollOne(nodes[i], options);
    });
  }
  threads.clear();  // joins
  return polls;
}

}  // namespace flightcheck::server
