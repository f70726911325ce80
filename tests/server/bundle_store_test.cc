// The node bundle store's state machine and status codes (3DT §3.5), with a collector the test
// controls; the daemon's real collection over HTTP is in serve_integration_test.cc.
#include "server/bundle_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>

#include "tests/testbed/temp_dir.h"

namespace flightcheck::server {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Writes "zip" to the output once released; or fails, or waits for the stop.
class FakeCollector {
 public:
  enum class Mode { kWrite, kFail, kUntilStopped };
  BundleStore::Collector Get() {
    return [this](const fs::path& output, const BundleRequest& request,
                  std::stop_token stop) -> Result<std::vector<std::string>> {
      request_ = request;
      started_.set_value();
      if (mode_ == Mode::kUntilStopped) {
        while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return Status::Unavailable("stopped");
      }
      release_.get_future().wait();
      if (mode_ == Mode::kFail) return Status::Internal("the disk is full");
      std::ofstream(output) << "zip";
      return std::vector<std::string>{"units.dcos: no manager"};
    };
  }
  void Release() { release_.set_value(); }
  void WaitStarted() { started_.get_future().wait(); }
  Mode mode_ = Mode::kWrite;
  BundleRequest request_;

 private:
  std::promise<void> started_, release_;
};

class BundleStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<BundleStore> Open(FakeCollector& collector, FakeCollector* cluster = nullptr) {
    Result<std::unique_ptr<BundleStore>> store =
        BundleStore::Open(dir_.path() / "b", collector.Get(), cluster ? cluster->Get() : nullptr);
    EXPECT_TRUE(store) << store.error().message();
    return store ? std::move(*store) : nullptr;
  }
  testing::ScopedTempDir dir_;
};

TEST_F(BundleStoreTest, ABundleGoesFromStartedToDoneToDeletedWith3dtCodes) {
  FakeCollector collector;
  std::unique_ptr<BundleStore> store = Open(collector);
  const BundleReply created = store->Create("b1");
  ASSERT_EQ(created.code, 200) << created.error;
  EXPECT_EQ(created.state->status, BundleStatus::kStarted);
  EXPECT_EQ(store->Create("b1").code, 409);
  EXPECT_EQ(store->Create("b1").error, "bundle b1 already exists");
  const BundleReply busy = store->Create("b2");
  EXPECT_EQ(busy.code, 409);
  EXPECT_EQ(busy.error, "bundle b1 is being collected; one bundle at a time");
  const BundleReply early = store->File("b1");
  EXPECT_EQ(early.code, 404);
  EXPECT_EQ(early.error, "bundle b1 is not done yet (status Started)");

  collector.Release();
  store->WaitIdle();
  const BundleReply done = store->Get("b1");
  ASSERT_EQ(done.code, 200);
  EXPECT_EQ(done.state->status, BundleStatus::kDone);
  EXPECT_EQ(done.state->size, 3u);
  EXPECT_THAT(done.state->errors, ElementsAre("units.dcos: no manager"));
  const nlohmann::json json = BundleStateJson(*done.state);
  EXPECT_EQ(json["type"], "Local");
  EXPECT_EQ(json["status"], "Done");
  EXPECT_EQ(json["size"], 3);
  const BundleReply file = store->File("b1");
  ASSERT_EQ(file.code, 200);
  EXPECT_EQ(file.file, dir_.path() / "b/b1/file.zip");
  EXPECT_EQ(fs::status(dir_.path() / "b/b1/state.json").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);

  const BundleReply deleted = store->Delete("b1");
  ASSERT_EQ(deleted.code, 200);
  EXPECT_EQ(deleted.state->status, BundleStatus::kDeleted);
  EXPECT_FALSE(fs::exists(dir_.path() / "b/b1/file.zip"));
  EXPECT_EQ(store->File("b1").code, 410);
  EXPECT_EQ(store->File("b1").error, "bundle b1 was Deleted");
  EXPECT_EQ(store->Delete("b1").code, 200) << "deleting twice is no error";
  EXPECT_EQ(store->Create("b1").code, 409) << "the id stays taken";
  EXPECT_EQ(store->Get("nope").code, 404);
  EXPECT_EQ(store->Get("nope").error, "bundle nope not found");
  ASSERT_EQ(store->List().list.size(), 1u);
}

// DELETE of a bundle being collected cancels it: Canceled at once and after, its collection
// stopped, no file kept even when the collector commits one after the DELETE, and the next bundle
// can start.
TEST_F(BundleStoreTest, ADeleteCancelsABundleBeingCollected) {
  FakeCollector stoppable;
  stoppable.mode_ = FakeCollector::Mode::kUntilStopped;
  std::unique_ptr<BundleStore> store = Open(stoppable);
  ASSERT_EQ(store->Create("b1").code, 200);
  stoppable.WaitStarted();
  const BundleReply canceled = store->Delete("b1");
  ASSERT_EQ(canceled.code, 200) << canceled.error;
  EXPECT_EQ(canceled.state->status, BundleStatus::kCanceled);
  EXPECT_THAT(canceled.state->errors,
              ElementsAre("canceled by a DELETE while it was being collected"));
  store->WaitIdle();  // returns only because the collector saw the stop
  EXPECT_EQ(store->Get("b1").state->status, BundleStatus::kCanceled);
  EXPECT_EQ(store->File("b1").code, 410);
  EXPECT_EQ(store->File("b1").error, "bundle b1 was Canceled");
  EXPECT_EQ(store->Delete("b1").code, 200) << "deleting a canceled bundle is no error";
  EXPECT_EQ(store->Get("b1").state->status, BundleStatus::kCanceled);

  store.reset();
  FakeCollector late;  // ignores the stop and commits its file after the DELETE
  std::unique_ptr<BundleStore> other = Open(late);
  ASSERT_EQ(other->Create("b2").code, 200);
  late.WaitStarted();
  ASSERT_EQ(other->Delete("b2").code, 200);
  late.Release();
  other->WaitIdle();
  EXPECT_EQ(other->Get("b2").state->status, BundleStatus::kCanceled);
  EXPECT_FALSE(fs::exists(dir_.path() / "b/b2/file.zip"));
  FakeCollector next;
  std::unique_ptr<BundleStore> reopened;
  other.reset();
  reopened = Open(next);
  EXPECT_EQ(reopened->Get("b2").state->status, BundleStatus::kCanceled) << "kept after a restart";
}

// A cluster bundle is collected beside a node bundle (its coordinator asks this node for its own
// part), each type one at a time; ids are unique across both, and the state says which it is.
TEST_F(BundleStoreTest, ClusterAndNodeBundlesShareIdsButNotTheirTurn) {
  FakeCollector local, cluster;
  std::unique_ptr<BundleStore> store = Open(local, &cluster);
  ASSERT_TRUE(store);
  BundleReply started =
      store->Create("c1", BundleType::kCluster, {.masters = true, .agents = false});
  ASSERT_EQ(started.code, 200) << started.error;
  EXPECT_EQ(BundleStateJson(*started.state)["type"], "Cluster");
  cluster.WaitStarted();
  EXPECT_FALSE(cluster.request_.agents);
  EXPECT_EQ(store->Create("c2", BundleType::kCluster).code, 409);
  EXPECT_EQ(store->Create("c1").code, 409) << "the id is taken by the cluster bundle";
  ASSERT_EQ(store->Create("n1").code, 200) << "a node bundle while the cluster one runs";
  local.WaitStarted();
  local.Release();
  cluster.Release();
  store->WaitIdle();
  const BundleReply got = store->Get("c1");
  ASSERT_EQ(got.code, 200);
  EXPECT_EQ(got.state->type, BundleType::kCluster);
  EXPECT_EQ(got.state->status, BundleStatus::kDone);
  const BundleReply list = store->List();
  ASSERT_EQ(list.list.size(), 2u);
  EXPECT_EQ(list.list[0].type, BundleType::kCluster);
  EXPECT_EQ(list.list[1].type, BundleType::kLocal);
  // Read back from JSON, as another master answers it.
  Result<BundleState> parsed = ParseBundleStateJson(BundleStateJson(*got.state));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->id, "c1");
  EXPECT_EQ(parsed->type, BundleType::kCluster);
  EXPECT_EQ(parsed->status, BundleStatus::kDone);
  EXPECT_EQ(parsed->size, got.state->size);
  EXPECT_FALSE(ParseBundleStateJson(nlohmann::json::array()));

  FakeCollector only_local;
  Result<std::unique_ptr<BundleStore>> node_only =
      BundleStore::Open(dir_.path() / "n", only_local.Get());
  ASSERT_TRUE(node_only);
  EXPECT_EQ((*node_only)->Create("c3", BundleType::kCluster).code, 404);
}

TEST_F(BundleStoreTest, IdsThatCouldBePathsAreRefusedBeforeAnyLookup) {
  FakeCollector collector;
  std::unique_ptr<BundleStore> store = Open(collector);
  for (const std::string& id :
       {std::string(".."), std::string("."), std::string(".hidden"), std::string("a/b"),
        std::string("../x"), std::string(""), std::string("a b"), std::string("a\\b"),
        std::string("x\0y", 3), std::string(129, 'a')}) {
    EXPECT_EQ(store->Create(id).code, 400) << id;
    EXPECT_EQ(store->Get(id).code, 400) << id;
    EXPECT_EQ(store->File(id).code, 400) << id;
    EXPECT_EQ(store->Delete(id).code, 400) << id;
  }
  std::vector<std::string> made;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir_.path() / "b")) {
    made.push_back(entry.path().filename().string());
  }
  EXPECT_THAT(made, ElementsAre(".lock")) << "nothing but the store's lock";
  EXPECT_TRUE(IsValidBundleId("2f1c-uuid_v1.x"));
}

// Two daemons on one directory would take the same ids: the second is refused until the first
// has gone.
TEST_F(BundleStoreTest, ADirectoryServesOneStoreAtATime) {
  FakeCollector first_collector, second_collector, third_collector;
  std::unique_ptr<BundleStore> first = Open(first_collector);
  ASSERT_NE(first, nullptr);
  Result<std::unique_ptr<BundleStore>> second =
      BundleStore::Open(dir_.path() / "b", second_collector.Get());
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().message(),
            "bundle directory '" + (dir_.path() / "b").string() +
                "' is in use by another daemon; give each daemon its own directory");
  first.reset();
  std::unique_ptr<BundleStore> third = Open(third_collector);
  ASSERT_NE(third, nullptr) << "free again once the first is gone";
  EXPECT_TRUE(third->List().list.empty()) << "the lock file is no bundle";
}

// A symlink planted as the lock is refused, never followed to create a file elsewhere.
TEST_F(BundleStoreTest, ALockThatIsASymlinkIsRefused) {
  fs::create_directories(dir_.path() / "b");
  fs::create_symlink(dir_.path() / "elsewhere", dir_.path() / "b/.lock");
  FakeCollector collector;
  Result<std::unique_ptr<BundleStore>> store =
      BundleStore::Open(dir_.path() / "b", collector.Get());
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message(), "cannot open the lock file '" +
                                         (dir_.path() / "b/.lock").string() +
                                         "': Too many levels of symbolic links");
  EXPECT_FALSE(fs::exists(dir_.path() / "elsewhere"));
}

// The directory removed under a running daemon: 507 with why, not a crash or a silent 200.
TEST_F(BundleStoreTest, ADirectoryThatCannotBeWrittenIs507) {
  FakeCollector collector;
  std::unique_ptr<BundleStore> store = Open(collector);
  ASSERT_NE(store, nullptr);
  fs::remove_all(dir_.path() / "b");
  const BundleReply created = store->Create("b1");
  EXPECT_EQ(created.code, 507);
  EXPECT_EQ(created.error, "cannot create bundle b1: No such file or directory");
  const BundleReply listed = store->List();
  EXPECT_EQ(listed.code, 507);
  EXPECT_THAT(listed.error, HasSubstr("cannot list '" + (dir_.path() / "b").string() + "'"));
}

TEST_F(BundleStoreTest, ABundleDirectoryThatIsAFileIsRefusedWithWhy) {
  std::ofstream(dir_.path() / "b") << "not a directory";
  FakeCollector collector;
  Result<std::unique_ptr<BundleStore>> store =
      BundleStore::Open(dir_.path() / "b", collector.Get());
  ASSERT_FALSE(store);
  EXPECT_THAT(store.error().message(),
              HasSubstr("bundle directory '" + (dir_.path() / "b").string() + "': "));
}

TEST_F(BundleStoreTest, AFailedCollectionIsGoneAndSaysWhy) {
  FakeCollector collector;
  collector.mode_ = FakeCollector::Mode::kFail;
  std::unique_ptr<BundleStore> store = Open(collector);
  ASSERT_EQ(store->Create("b1").code, 200);
  collector.Release();
  store->WaitIdle();
  const BundleReply got = store->Get("b1");
  EXPECT_EQ(got.state->status, BundleStatus::kFailed);
  EXPECT_THAT(got.state->errors, ElementsAre("the disk is full"));
  EXPECT_EQ(store->File("b1").code, 410);
  EXPECT_EQ(store->File("b1").error, "bundle b1 was Failed");
}

TEST_F(BundleStoreTest, AStoppedOrCrashedDaemonLeavesNoBundleStartedForever) {
  {
    FakeCollector collector;
    collector.mode_ = FakeCollector::Mode::kUntilStopped;
    std::unique_ptr<BundleStore> store = Open(collector);
    ASSERT_EQ(store->Create("stopped").code, 200);
    collector.WaitStarted();
  }  // the store's destructor stops the collection
  // A daemon killed mid-bundle: its state still says Started.
  fs::create_directories(dir_.path() / "b/killed");
  std::ofstream(dir_.path() / "b/killed/state.json") << R"({"status": "Started"})";
  // And one whose state is garbage.
  fs::create_directories(dir_.path() / "b/garbage");
  std::ofstream(dir_.path() / "b/garbage/state.json") << "{not json";

  FakeCollector collector;
  std::unique_ptr<BundleStore> store = Open(collector);
  for (const std::string id : {"stopped", "killed"}) {
    const BundleReply got = store->Get(id);
    ASSERT_EQ(got.code, 200) << id;
    EXPECT_EQ(got.state->status, BundleStatus::kFailed) << id;
    EXPECT_THAT(got.state->errors,
                ElementsAre("the daemon stopped while this bundle was being collected"));
  }
  EXPECT_EQ(store->Get("garbage").code, 500);
  EXPECT_THAT(store->Get("garbage").error, HasSubstr("state.json is not a bundle state"));
  const BundleReply list = store->List();
  ASSERT_EQ(list.list.size(), 3u);
  EXPECT_EQ(list.list[0].id, "garbage");
  EXPECT_EQ(list.list[0].status, BundleStatus::kUnknown);

  // Done, but its file went away behind the daemon's back.
  fs::create_directories(dir_.path() / "b/lost");
  std::ofstream(dir_.path() / "b/lost/state.json") << R"({"status": "Done"})";
  EXPECT_EQ(store->Get("lost").code, 500);
  EXPECT_EQ(store->Get("lost").error, "bundle lost is done but its file is missing");
}

}  // namespace
}  // namespace flightcheck::server
