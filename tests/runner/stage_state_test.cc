// Stage state files: the JSON round trip, the DC/OS-compatible fields, and the messages for files
// that are not stage states.
#include "runner/stage_state.h"

#include <gtest/gtest.h>

#include "tests/testbed/temp_dir.h"

namespace flightcheck {
namespace {

StageState Sample() {
  StageState state;
  state.stage = "preflight";
  state.config_hash = "abc";
  state.artifact = "flightcheck-0123456789abcdef.tar.gz";
  state.started_at = "2026-11-29T10:00:00Z";
  state.forced = true;
  HostState master;
  master.address = "10.0.0.1";
  master.role = "master";
  master.status = HostStatus::kSuccess;
  state.hosts.push_back(master);
  HostState agent;
  agent.address = "10.0.0.4";
  agent.role = "agent";
  agent.status = HostStatus::kUnreachable;
  agent.message = "10.0.0.4 is unreachable: Connection refused";
  agent.log = "genconf/logs/preflight/10.0.0.4.log";
  agent.seconds = 1.5;
  agent.report = {{"exit_code", 0}};
  state.hosts.push_back(agent);
  return state;
}

TEST(StageStateTest, JsonHasDcosFieldsAndRoundTrips) {
  const nlohmann::json json = StageStateToJson(Sample());
  EXPECT_EQ(json["schema"], "flightcheck/stage-state/v1");
  EXPECT_EQ(json["total_hosts"], 2);
  EXPECT_EQ(json["total_masters"], 1);
  EXPECT_EQ(json["total_agents"], 1);
  EXPECT_EQ(json["hosts"]["10.0.0.4"]["host_status"], "unreachable");
  EXPECT_EQ(json["finished_at"], "") << "still running";

  Result<StageState> back = StageStateFromJson(json);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(StageStateToJson(*back), json);
  EXPECT_EQ(back->Count(HostStatus::kUnreachable), 1);
  ASSERT_NE(back->Find("10.0.0.4"), nullptr);
  EXPECT_EQ(back->Find("10.0.0.4")->seconds, 1.5);
  EXPECT_EQ(back->Find("10.0.0.9"), nullptr);
}

TEST(StageStateTest, EveryStatusHasAName) {
  for (HostStatus status :
       {HostStatus::kUnstarted, HostStatus::kRunning, HostStatus::kSuccess, HostStatus::kFailed,
        HostStatus::kUnreachable, HostStatus::kTerminated}) {
    EXPECT_EQ(ParseHostStatus(HostStatusName(status)), status);
  }
  EXPECT_EQ(ParseHostStatus("done"), std::nullopt);
}

TEST(StageStateTest, WriteAndReadAFile) {
  testing::ScopedTempDir dir;
  const auto path = dir.path() / "state" / "preflight.json";
  ASSERT_TRUE(WriteStageState(path, Sample()).ok());
  Result<StageState> read = ReadStageState(path);
  ASSERT_TRUE(read) << read.error().message();
  EXPECT_EQ(read->hosts.size(), 2u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(path.parent_path()),
                          std::filesystem::directory_iterator()),
            1)
      << "no temporary file is left behind";
}

TEST(StageStateTest, FilesThatAreNotStageStatesSaySoWithThePath) {
  testing::ScopedTempDir dir;
  EXPECT_TRUE(ReadStageState(dir.path() / "absent.json").error().IsNotFound());
  const auto broken = dir.WriteFile("broken.json", "{\"schema\": ");
  EXPECT_EQ(ReadStageState(broken).error().message(),
            "'" + broken.string() + "' is not valid JSON");
  const auto other = dir.WriteFile("other.json", R"({"schema": "flightcheck/report/v1"})");
  EXPECT_EQ(
      ReadStageState(other).error().message(),
      "'" + other.string() + "': not a stage state: schema is not \"flightcheck/stage-state/v1\"");
  const auto bad_status = dir.WriteFile(
      "status.json",
      R"({"schema": "flightcheck/stage-state/v1", "hosts": {"10.0.0.1": {"host_status": "ok"}}})");
  EXPECT_EQ(ReadStageState(bad_status).error().message(),
            "'" + bad_status.string() +
                "': not a stage state: host \"10.0.0.1\" has no valid host_status");
}

}  // namespace
}  // namespace flightcheck
