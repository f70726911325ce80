// The cluster bundle PUT body (3DT §3.6); the routes over real daemons are in
// serve_integration_test.cc.
#include "server/cluster_bundle_api.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/testbed/http_responder.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck::server {
namespace {

TEST(ClusterBundleRequestTest, EmptyBodiesAskForEveryNode) {
  for (const std::string body : {"", "  \r\n\t", "{}"}) {
    Result<BundleRequest> request = ParseClusterBundleRequest(body);
    ASSERT_TRUE(request) << request.error().message();
    EXPECT_TRUE(request->masters) << body;
    EXPECT_TRUE(request->agents) << body;
  }
  Result<BundleRequest> masters = ParseClusterBundleRequest(R"({"agents": false})");
  ASSERT_TRUE(masters);
  EXPECT_TRUE(masters->masters);
  EXPECT_FALSE(masters->agents);
}

TEST(ClusterBundleRequestTest, EachMistakeIsNamed) {
  const std::string big = "{\"masters\": true" + std::string(5000, ' ') + "}";
  const struct {
    std::string body, message;
  } cases[] = {
      {"[true]", R"(the body must be a JSON object such as {"masters": true, "agents": false})"},
      {"{\"masters\": tru",
       R"(the body must be a JSON object such as {"masters": true, "agents": false})"},
      {R"({"master": true})", "unknown key 'master' in the body; it takes masters and agents"},
      {R"({"agents": 1})", "agents must be true or false"},
      {R"({"masters": false, "agents": false})",
       "masters and agents are both false: there is nothing to collect"},
      {big,
       R"(the body is larger than 4096 bytes; it is {"masters": true, "agents": true} at most)"},
  };
  for (const auto& c : cases) {
    Result<BundleRequest> request = ParseClusterBundleRequest(c.body);
    ASSERT_FALSE(request) << c.body.substr(0, 40);
    EXPECT_EQ(request.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(request.error().message(), c.message);
  }
}

// The routes that pass on another master's bundle, against a stand-in master (HttpResponder)
// whose answers the test picks: a download that fails or is too large is 502, a spool that cannot
// be made 507, a master that cannot be asked 503 on the list; never a cut zip sent as whole.
class ClusterBundleRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(other_.ListenTcp());
    other_.Start([](const std::string& target) {
      const std::string base = "/system/health/v1/node/diagnostics/";
      if (target == base + "big" || target == base + "stalls") {
        return testing::HttpResponder::Answer(200,
                                              nlohmann::json{{"id", target.substr(base.size())},
                                                             {"type", "Cluster"},
                                                             {"status", "Done"},
                                                             {"started_at", "2026-12-02T10:00:00Z"},
                                                             {"stopped_at", "2026-12-02T10:01:00Z"}}
                                                  .dump());
      }
      if (target == base + "big/file") {
        return testing::HttpResponder::Answer(200, std::string(5000, 'z'), "application/zip");
      }
      if (target == base + "stalls/file") return testing::HttpResponder::Hang();
      return testing::HttpResponder::Answer(404, R"({"code":404,"error":"not found"})");
    });
  }

  // Serves the routes with other_ (or a master at no_port) as the other master, spooling in
  // spool_dir.
  void Serve(const std::filesystem::path& spool_dir, bool reachable = true) {
    Result<std::unique_ptr<BundleStore>> store =
        BundleStore::Open(dir_.path() / "bundles",
                          [](const std::filesystem::path&, const BundleRequest&, std::stop_token) {
                            return Result<std::vector<std::string>>(std::vector<std::string>{});
                          });
    ASSERT_TRUE(store) << store.error().message();
    store_ = std::move(*store);
    const NodeTarget master{
        .ip = "127.0.0.1", .port = reachable ? other_.port() : 1, .role = "master"};
    RegisterClusterBundleApi(server_, *store_,
                             {.other_masters = [master] { return std::vector<NodeTarget>{master}; },
                              .client = {.timeout = std::chrono::milliseconds(800)},
                              .spool_dir = spool_dir,
                              .max_file_bytes = 1000});
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::jthread([this] { server_.listen_after_bind(); });
    // bind_to_any_port listens already: requests wait in the backlog until the thread accepts.
  }

  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  httplib::Result Get(const std::string& path) {
    httplib::Client client("127.0.0.1", port_);
    client.set_read_timeout(std::chrono::seconds(10));
    return client.Get(path);
  }

  testing::ScopedTempDir dir_;
  testing::HttpResponder other_;
  std::unique_ptr<BundleStore> store_;
  httplib::Server server_;
  std::jthread thread_;
  int port_ = 0;
};

TEST_F(ClusterBundleRoutesTest, AFailedDownloadFromAnotherMasterIs502) {
  Serve(dir_.path());
  auto state = Get("/system/health/v1/diagnostics/big");
  ASSERT_TRUE(state);
  EXPECT_EQ(state->status, 200) << state->body;
  auto big = Get("/system/health/v1/diagnostics/big/file");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 502);
  EXPECT_EQ(nlohmann::json::parse(big->body)["error"],
            "downloading bundle big from master 127.0.0.1: it is larger than 1000 bytes");
  auto stalls = Get("/system/health/v1/diagnostics/stalls/file");
  ASSERT_TRUE(stalls);
  EXPECT_EQ(stalls->status, 502);
  EXPECT_THAT(nlohmann::json::parse(stalls->body)["error"].get<std::string>(),
              ::testing::StartsWith("downloading bundle stalls from master 127.0.0.1: "));
  auto none = Get("/system/health/v1/diagnostics/none");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 404);
}

TEST_F(ClusterBundleRoutesTest, ASpoolThatCannotBeMadeIs507) {
  Serve(dir_.path() / "no-such-dir");
  auto big = Get("/system/health/v1/diagnostics/big/file");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 507) << big->body;
  EXPECT_THAT(nlohmann::json::parse(big->body)["error"].get<std::string>(),
              ::testing::HasSubstr("no-such-dir"));
}

TEST_F(ClusterBundleRoutesTest, AMasterThatCannotBeAskedIs503NeverAShortList) {
  Serve(dir_.path(), /*reachable=*/false);
  auto list = Get("/system/health/v1/diagnostics");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 503) << list->body;
  EXPECT_THAT(nlohmann::json::parse(list->body)["error"].get<std::string>(),
              ::testing::HasSubstr("http://127.0.0.1:1"));
  auto one = Get("/system/health/v1/diagnostics/big");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 503) << one->body;
}

}  // namespace
}  // namespace flightcheck::server
