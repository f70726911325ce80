// What masters read from requests and from each other in the cluster bundle API
// (server/cluster_bundle_api.h, server/bundle_store.h) on arbitrary bytes: a PUT's body and
// another master's bundle state. Neither may crash; a request it accepts asks for some role, and
// a state it reads back round-trips through BundleStateJson.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "server/bundle_store.h"
#include "server/cluster_bundle_api.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const flightcheck::Result<flightcheck::server::BundleRequest> request =
      flightcheck::server::ParseClusterBundleRequest(input);
  if (request && !request->masters && !request->agents) std::abort();
  const nlohmann::json json = nlohmann::json::parse(input, nullptr, false);
  if (const auto state = flightcheck::server::ParseBundleStateJson(json)) {
    const auto again =
        flightcheck::server::ParseBundleStateJson(flightcheck::server::BundleStateJson(*state));
    if (!again || again->status != state->status || again->type != state->type ||
        again->id != state->id) {
      std::abort();
    }
  }
  return 0;
}
