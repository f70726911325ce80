// The http probe: one GET to a URL; whether it answered, with what status and body. It has no
// parser of its own (JSON bodies are parsed with nlohmann::json) and so no header.
#include <string>

#include <fmt/format.h>

#include "checks/http_client.h"
#include "checks/probe.h"
#include "checks/text.h"

namespace flightcheck {
namespace {

constexpr size_t kBodyCap = 64 * 1024;

ProbeDescriptor Descriptor() {
  return {
      .name = "http",
      .summary = "GETs a URL and reports whether it answered, the status, the body and its JSON.",
      .params = {{"url", ParamType::kString, true, nullptr, "http:// or https:// URL"},
                 {"verify_tls", ParamType::kBoolean, false, true,
                  "check the server certificate and host name (https)"}},
      .facts = {{"reachable", FactType::Bool(), "an HTTP answer came back (any status)"},
                {"status", FactType::Int(), "HTTP status code, 0 when unreachable"},
                {"body", FactType::String(), "response body, at most 64 KiB"},
                {"json", FactType::Any(),
                 "the body parsed as JSON; null when it is not JSON or was cut"},
                {"truncated", FactType::Bool(), "the body was longer than 64 KiB and was cut"},
                {"latency", FactType::Duration(),
                 "time until the answer was complete (or the failure)"},
                {"error", FactType::String(),
                 "why there was no answer (refused, timed out...); \"\" if "
                 "reachable"}},
      .default_timeout = Milliseconds(5000),
  };
}

Result<Facts> Probe(const Params& params, const HostContext&, Deadline deadline) {
  const std::string url = params["url"].get<std::string>();
  const std::string scheme = ToLower(url.substr(0, url.find("://") + 1));
  if (scheme != "http:" && scheme != "https:") {
    return Status::InvalidArgument(
        fmt::format("parameter 'url' must be an http:// or https:// URL, got '{}'", url));
  }
  HttpOptions options;
  options.max_body = kBodyCap;
  options.verify_tls = params["verify_tls"].get<bool>();
  const auto started = SteadyClock::now();
  Result<HttpResponse> response = HttpGet(url, deadline, options);

  Facts facts;
  if (!response) {
    // Refused, timed out, unresolvable, TLS rejected: the probe did observe the endpoint, and
    // what it saw is that it does not answer. That is a fact for the rule to judge.
    const ErrorCode code = response.error().code();
    if (code != ErrorCode::kUnavailable && code != ErrorCode::kTimeout) return response.error();
    facts["reachable"] = false;
    facts["status"] = 0;
    facts["body"] = "";
    facts["json"] = nullptr;
    facts["truncated"] = false;
    facts["latency"] = std::chrono::duration<double>(SteadyClock::now() - started).count();
    facts["error"] = response.error().message();
    return facts;
  }
  facts["reachable"] = true;
  facts["status"] = response->status;
  facts["body"] = ToValidUtf8(response->body);
  Facts json = nlohmann::json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  facts["json"] = response->truncated || json.is_discarded() ? Facts(nullptr) : json;
  facts["truncated"] = response->truncated;
  facts["latency"] = response->seconds;
  facts["error"] = "";
  return facts;
}

}  // namespace

FLIGHTCHECK_REGISTER_PROBE(Descriptor(), &Probe);

}  // namespace flightcheck
