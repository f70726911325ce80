#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "checks/http_client.h"
#include "checks/probe.h"
#include "tests/testbed/http_responder.h"
#include "tests/testbed/loopback_socket.h"
#include "tests/testbed/probe_call.h"
#include "tests/testbed/process.h"
#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::HttpResponder;

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// A loopback port with nothing listening: bound once by the kernel's choice, then released.
int RefusedPort() { return testing::ReleasedLoopbackPort(); }

HttpResponder::Reply Json(std::string body, int status = 200) {
  return HttpResponder::Answer(status, std::move(body));
}

TEST(HttpClientTest, TcpAnswerWithStatusBodyAndContentType) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  std::string seen_target;
  server.Start([&](const std::string& target) {
    seen_target = target;
    return Json(R"({"ok": true})");
  });
  Result<HttpResponse> response = HttpGet(server.url("/health?x=1"), Deadline::In(seconds(5)));
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok": true})");
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_FALSE(response->truncated);
  EXPECT_GT(response->seconds, 0);
  EXPECT_LT(response->seconds, 5);
  server.Stop();
  EXPECT_EQ(seen_target, "/health?x=1");
}

TEST(HttpClientTest, ErrorStatusIsAnAnswerNotAnError) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  server.Start([](const std::string&) { return HttpResponder::Answer(503, "down", ""); });
  Result<HttpResponse> response = HttpGet(server.url("/"), Deadline::In(seconds(5)));
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 503);
  EXPECT_EQ(response->body, "down");
  EXPECT_EQ(response->content_type, "");
}

TEST(HttpClientTest, BodyOverTheCapIsTruncated) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  server.Start([](const std::string&) { return Json(std::string(200000, 'x')); });
  HttpOptions options;
  options.max_body = 1000;
  Result<HttpResponse> response = HttpGet(server.url("/big"), Deadline::In(seconds(5)), options);
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->truncated);
  EXPECT_EQ(response->body, std::string(1000, 'x'));
}

TEST(HttpClientTest, RefusedIsUnavailable) {
  const std::string url = "http://127.0.0.1:" + std::to_string(RefusedPort()) + "/";
  Result<HttpResponse> response = HttpGet(url, Deadline::In(seconds(5)));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_TRUE(Contains(response.error().message(), "connection refused"))
      << response.error().message();
  EXPECT_TRUE(Contains(response.error().message(), url)) << response.error().message();
}

TEST(HttpClientTest, SilentServerTimesOutAtTheDeadline) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  server.Start([](const std::string&) { return HttpResponder::Hang(); });
  const auto started = std::chrono::steady_clock::now();
  Result<HttpResponse> response = HttpGet(server.url("/slow"), Deadline::In(milliseconds(300)));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout) << response.error().ToString();
  EXPECT_TRUE(Contains(response.error().message(), "no complete answer within"))
      << response.error().message();
  EXPECT_GE(took, milliseconds(250));
  EXPECT_LT(took, seconds(2));
}

TEST(HttpClientTest, ExpiredDeadlineIsATimeoutBeforeConnecting) {
  Result<HttpResponse> response =
      HttpGet("http://127.0.0.1:1/", Deadline::At(std::chrono::steady_clock::now()));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kTimeout);
}

TEST(HttpClientTest, OnlyHttpAndHttpsSchemes) {
  for (const char* url : {"ftp://127.0.0.1/x", "file:///etc/passwd", "not a url"}) {
    Result<HttpResponse> response = HttpGet(url, Deadline::In(seconds(2)));
    ASSERT_FALSE(response) << url;
    EXPECT_EQ(response.error().code(), ErrorCode::kInvalidArgument)
        << url << ": " << response.error().ToString();
  }
}

TEST(HttpClientTest, UnixSocket) {
  testing::ScopedTempDir dir;
  const std::string socket = (dir.path() / "api.sock").string();
  HttpResponder server;
  ASSERT_TRUE(server.ListenUnix(socket));
  std::string seen_target;
  server.Start([&](const std::string& target) {
    seen_target = target;
    return Json(R"({"Driver":"overlay2"})");
  });
  HttpOptions options;
  options.unix_socket = socket;
  Result<HttpResponse> response =
      HttpGet("http://localhost/v1.41/info", Deadline::In(seconds(5)), options);
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"Driver":"overlay2"})");
  server.Stop();
  EXPECT_EQ(seen_target, "/v1.41/info");
}

TEST(HttpClientTest, UnixSocketAbsentStaleOrNotASocket) {
  testing::ScopedTempDir dir;
  const std::string missing = (dir.path() / "missing.sock").string();
  const std::string stale = (dir.path() / "stale.sock").string();
  const std::string plain = dir.WriteFile("plain.sock", "not a socket").string();
  ASSERT_TRUE(testing::MakeStaleUnixSocket(stale));
  struct Case {
    std::string socket;
    std::string message;
  };
  const Case cases[] = {
      {missing, "no socket at " + missing},
      {dir.path().string() + "/no/such/dir.sock", "no socket at "},
      {stale, "connecting to " + stale + ": connection refused"},
      {plain, plain + " is not a socket"},
  };
  for (const Case& c : cases) {
    HttpOptions options;
    options.unix_socket = c.socket;
    Result<HttpResponse> response =
        HttpGet("http://localhost/_ping", Deadline::In(seconds(2)), options);
    ASSERT_FALSE(response) << c.socket;
    EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable) << response.error().ToString();
    EXPECT_TRUE(Contains(response.error().message(), c.message)) << response.error().message();
  }
}

// connect() on a unix socket needs write permission on it. Root passes every permission check,
// so as root the check runs in a child that drops to uid/gid 65534 (nobody).
TEST(HttpClientTest, UnixSocketWithoutPermissionIsPermissionDenied) {
  testing::ScopedTempDir dir;
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  const std::string socket = (dir.path() / "private.sock").string();
  HttpResponder server;
  ASSERT_TRUE(server.ListenUnix(socket));
  server.Start([](const std::string&) { return Json("{}"); });
  // Owner-only for root's socket; not even the owner may write when we are that owner.
  ASSERT_EQ(::chmod(socket.c_str(), ::geteuid() == 0 ? 0600 : 0400), 0);

  auto check = [&socket]() -> bool {
    HttpOptions options;
    options.unix_socket = socket;
    Result<HttpResponse> response =
        HttpGet("http://localhost/_ping", Deadline::In(seconds(2)), options);
    return !response && response.error().code() == ErrorCode::kPermissionDenied &&
           Contains(response.error().message(), "connecting to " + socket + ": permission denied");
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(check());
  } else {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      const bool dropped = ::setgid(65534) == 0 && ::setuid(65534) == 0;
      ::_exit(dropped ? (check() ? 0 : 1) : 2);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "1: not PermissionDenied, 2: could not drop root";
  }
  EXPECT_EQ(server.requests(), 0);
}

TEST(HttpClientTest, ConcurrentCallsEachGetTheirAnswer) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  server.Start([](const std::string& target) { return Json(target.substr(1)); });
  std::vector<std::string> bodies(8);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < bodies.size(); ++i) {
    threads.emplace_back([&, i] {
      Result<HttpResponse> response =
          HttpGet(server.url("/" + std::to_string(i)), Deadline::In(seconds(10)));
      bodies[i] = response ? response->body : response.error().ToString();
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < bodies.size(); ++i) EXPECT_EQ(bodies[i], std::to_string(i));
}

// The http probe, through the registry, with params validated as the runner does.
Result<Facts> RunHttp(Params params, Deadline deadline = Deadline::In(seconds(5))) {
  return testing::CallProbe("http", params, "/", deadline);
}

// A real HTTP server: python3 -m http.server over a directory of files.
class PythonHttpServer {
 public:
  bool Start() {
    port_ = RefusedPort();
    dir_.WriteFile("www/status.json", R"({"status": "ok", "nodes": [1, 2, 3]})");
    dir_.WriteFile("www/hello.txt", "hello\n");
    return process_.Start({"python3", "-m", "http.server", "--bind", "127.0.0.1",
                           std::to_string(port_), "--directory", (dir_.path() / "www").string()},
                          dir_.path() / "server.log") &&
           testing::WaitForTcp("127.0.0.1", port_, milliseconds(10000));
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string log() const { return testing::ReadTextFile(dir_.path() / "server.log"); }

 private:
  testing::ScopedTempDir dir_;
  testing::ChildProcess process_;
  int port_ = 0;
};

TEST(HttpProbeTest, RealServerJsonTextAndNotFound) {
  PythonHttpServer server;
  ASSERT_TRUE(server.Start()) << server.log();

  Result<Facts> json = RunHttp({{"url", server.url("/status.json")}});
  ASSERT_TRUE(json) << json.error().ToString();
  EXPECT_EQ((*json)["reachable"], true);
  EXPECT_EQ((*json)["status"], 200);
  EXPECT_EQ((*json)["json"]["status"], "ok");
  EXPECT_EQ((*json)["json"]["nodes"].size(), 3u);
  EXPECT_EQ((*json)["error"], "");
  EXPECT_EQ((*json)["truncated"], false);
  EXPECT_GT((*json)["latency"].get<double>(), 0);

  Result<Facts> text = RunHttp({{"url", server.url("/hello.txt")}});
  ASSERT_TRUE(text) << text.error().ToString();
  EXPECT_EQ((*text)["status"], 200);
  EXPECT_EQ((*text)["body"], "hello\n");
  EXPECT_TRUE((*text)["json"].is_null());

  Result<Facts> missing = RunHttp({{"url", server.url("/nope")}});
  ASSERT_TRUE(missing) << missing.error().ToString();
  EXPECT_EQ((*missing)["reachable"], true);
  EXPECT_EQ((*missing)["status"], 404);
}

TEST(HttpProbeTest, RefusedIsAFactNotAnError) {
  const std::string url = "http://127.0.0.1:" + std::to_string(RefusedPort()) + "/health";
  Result<Facts> facts = RunHttp({{"url", url}});
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["reachable"], false);
  EXPECT_EQ((*facts)["status"], 0);
  EXPECT_EQ((*facts)["body"], "");
  EXPECT_TRUE((*facts)["json"].is_null());
  EXPECT_TRUE(Contains((*facts)["error"].get<std::string>(), "connection refused")) << *facts;
}

TEST(HttpProbeTest, SilentServerIsUnreachableAtTheDeadline) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  server.Start([](const std::string&) { return HttpResponder::Hang(); });
  const auto started = std::chrono::steady_clock::now();
  Result<Facts> facts = RunHttp({{"url", server.url("/")}}, Deadline::In(milliseconds(300)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, seconds(2));
  ASSERT_TRUE(facts) << facts.error().ToString();
  EXPECT_EQ((*facts)["reachable"], false);
  EXPECT_TRUE(Contains((*facts)["error"].get<std::string>(), "no complete answer within"))
      << *facts;
  EXPECT_GE((*facts)["latency"].get<double>(), 0.25);
}

TEST(HttpProbeTest, LongAndBinaryBodies) {
  HttpResponder server;
  ASSERT_TRUE(server.ListenTcp());
  server.Start([](const std::string& target) {
    if (target == "/big") return Json("[" + std::string(100000, ' ') + "]");
    return HttpResponder::Answer(200, std::string("ok\xff\xfe", 4), "application/octet-stream");
  });
  Result<Facts> big = RunHttp({{"url", server.url("/big")}});
  ASSERT_TRUE(big) << big.error().ToString();
  EXPECT_EQ((*big)["truncated"], true);
  EXPECT_EQ((*big)["body"].get<std::string>().size(), 64u * 1024);
  EXPECT_TRUE((*big)["json"].is_null());

  Result<Facts> binary = RunHttp({{"url", server.url("/bin")}});
  ASSERT_TRUE(binary) << binary.error().ToString();
  EXPECT_EQ((*binary)["body"], "ok\xEF\xBF\xBD\xEF\xBF\xBD");  // U+FFFD twice
  EXPECT_NO_THROW((void)binary->dump());
}

TEST(HttpProbeTest, BadUrlAndMissingUrlAreErrors) {
  Result<Facts> ftp = RunHttp({{"url", "ftp://127.0.0.1/"}});
  ASSERT_FALSE(ftp);
  EXPECT_EQ(ftp.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(
      Contains(ftp.error().message(),
               "parameter 'url' must be an http:// or https:// URL, got 'ftp://127.0.0.1/'"))
      << ftp.error().message();

  Result<Facts> missing = RunHttp(Params::object());
  ASSERT_FALSE(missing);
  EXPECT_TRUE(Contains(missing.error().message(), "url")) << missing.error().message();
}

// A real TLS server with a self-signed certificate: rejected by default, accepted with
// verify_tls false.
TEST(HttpProbeTest, SelfSignedCertificateAndVerifyTls) {
  testing::ScopedTempDir dir;
  const std::string key = (dir.path() / "key.pem").string();
  const std::string cert = (dir.path() / "cert.pem").string();
  LocalCommandRunner runner;
  Result<CommandResult> made =
      runner.Run({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                  "/CN=localhost", "-days", "1", "-keyout", key, "-out", cert},
                 Deadline::In(seconds(30)));
  ASSERT_TRUE(made && made->exit_code == 0) << (made ? made->stderr_text : made.error().ToString());
  const int port = RefusedPort();
  testing::ChildProcess server;
  ASSERT_TRUE(server.Start({"openssl", "s_server", "-accept", "127.0.0.1:" + std::to_string(port),
                            "-key", key, "-cert", cert, "-www", "-quiet"},
                           dir.path() / "s_server.log"));
  ASSERT_TRUE(testing::WaitForTcp("127.0.0.1", port, milliseconds(10000)));
  const std::string url = "https://127.0.0.1:" + std::to_string(port) + "/";

  Result<Facts> verified = RunHttp({{"url", url}});
  ASSERT_TRUE(verified) << verified.error().ToString();
  EXPECT_EQ((*verified)["reachable"], false);
  EXPECT_TRUE(Contains((*verified)["error"].get<std::string>(), "certificate")) << *verified;

  Result<Facts> unverified = RunHttp({{"url", url}, {"verify_tls", false}});
  ASSERT_TRUE(unverified) << unverified.error().ToString();
  EXPECT_EQ((*unverified)["reachable"], true);
  EXPECT_EQ((*unverified)["status"], 200);
  EXPECT_TRUE(Contains((*unverified)["body"].get<std::string>(), "<HTML>")) << *unverified;
}

}  // namespace
}  // namespace flightcheck
