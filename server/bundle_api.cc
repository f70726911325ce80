#include "server/bundle_api.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "checks/file_io.h"
#include "checks/scoped_fd.h"

namespace flightcheck::server {
namespace {

constexpr char kJson[] = "application/json";

}  // namespace

void AnswerBundleReply(const BundleReply& reply, httplib::Response& res) {
  res.status = reply.code;
  if (reply.code != 200) {
    res.set_content(nlohmann::json{{"code", reply.code}, {"error", reply.error}}.dump(), kJson);
    return;
  }
  if (reply.state) {
    res.set_content(BundleStateJson(*reply.state).dump(), kJson);
    return;
  }
  nlohmann::json list = nlohmann::json::array();
  for (const BundleState& state : reply.list) list.push_back(BundleStateJson(state));
  res.set_content(list.dump(), kJson);
}

// Streamed from an open descriptor: memory stays flat whatever its size, and a DELETE while it
// is sent does not cut it.
void SendBundleFile(ScopedFd file, uint64_t size, const std::string& id, httplib::Response& res) {
  auto fd = std::make_shared<ScopedFd>(std::move(file));
  res.set_header("Content-Disposition", fmt::format("attachment; filename={}.zip", id));
  res.set_content_provider(
      size, "application/zip, application/octet-stream",
      [fd](size_t offset, size_t length, httplib::DataSink& sink) {
        char buffer[1 << 16];
        const ssize_t n =
            ::pread(fd->get(), buffer, std::min(length, sizeof buffer), static_cast<off_t>(offset));
        if (n <= 0) return false;  // the file shrank: the client sees a short body, not garbage
        return sink.write(buffer, static_cast<size_t>(n));
      });
}

namespace {

void SendFile(const BundleReply& reply, httplib::Response& res) {
  Result<ScopedFd> opened = OpenRegularFile(reply.file, "the bundle");
  if (!opened) {
    AnswerBundleReply({.code = 500, .error = opened.error().message()}, res);
    return;
  }
  SendBundleFile(std::move(*opened), reply.state->size, reply.state->id, res);
}

}  // namespace

void RegisterBundleApi(httplib::Server& server, BundleStore& store) {
  const std::string base = kNodeBundlePath;
  server.Get(base + "/?", [&store](const httplib::Request&, httplib::Response& res) {
    AnswerBundleReply(store.List(), res);
  });
  server.Put(base + "/([^/]+)/?", [&store](const httplib::Request& req, httplib::Response& res) {
    AnswerBundleReply(store.Create(req.matches[1].str()), res);
  });
  server.Get(base + "/([^/]+)/?", [&store](const httplib::Request& req, httplib::Response& res) {
    AnswerBundleReply(store.Get(req.matches[1].str()), res);
  });
  server.Get(base + "/([^/]+)/file/?",
             [&store](const httplib::Request& req, httplib::Response& res) {
               const BundleReply reply = store.File(req.matches[1].str());
               if (reply.code != 200) return AnswerBundleReply(reply, res);
               SendFile(reply, res);
             });
  server.Delete(base + "/([^/]+)/?", [&store](const httplib::Request& req, httplib::Response& res) {
    AnswerBundleReply(store.Delete(req.matches[1].str()), res);
  });
}

}  // namespace flightcheck::server
