// The cluster bundle PUT body (3DT §3.6); the routes over real daemons are in
// serve_integration_test.cc.
#include "server/cluster_bundle_api.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace flightcheck::server
