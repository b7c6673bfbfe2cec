// vsr::Replica in scripted scenarios on a hand-driven cluster: normal
// operation, a gap filled by state transfer, a view change that keeps a
// committed op only one backup holds, a new primary that must fetch committed
// ops it lacks, a restarted primary handing its view over, and recovery of
// the log from its records, and the replay rules of those records.
#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "vsr/replica.h"

namespace quorum::vsr {
namespace {

// Writes are durable at once; messages wait in one queue until delivered.
class Cluster {
 public:
  explicit Cluster(std::uint32_t n) : n_(n), replicas_(n), disks_(n), applied_(n) {
    for (std::uint32_t i = 1; i <= n; ++i) start(i);
  }

  Replica& r(std::uint32_t id) { return *replicas_[id - 1]; }
  bool up(std::uint32_t id) const { return replicas_[id - 1] != nullptr; }
  const std::vector<SlotValue>& applied(std::uint32_t id) const { return applied_[id - 1]; }

  void start(std::uint32_t id) {
    DurableState s;
    for (const Record& rec : disks_[id - 1]) s.apply(rec);
    Config c{NodeId{id}, QuorumSystem::majority(NodeSet::first_n(n_)), Timing{}, Limits{}, Bugs{}, id};
    replicas_[id - 1] = std::make_unique<Replica>(c, s);
    applied_[id - 1].clear();
    pump(id);
  }
  void crash(std::uint32_t id) { replicas_[id - 1].reset(); }

  // Messages from `from` to `to` are dropped while cut.
  void cut(std::uint32_t from, std::uint32_t to) { cut_.insert({from, to}); }
  void heal() { cut_.clear(); }

  void submit(std::uint32_t id, const std::string& cmd) {
    ASSERT_EQ(r(id).submit(cmd).status, log::SubmitStatus::kAccepted);
    pump(id);
  }
  void pump(std::uint32_t id) {
    for (int round = 0; round < 16 && up(id); ++round) {
      Output out = r(id).take_output();
      std::uint64_t last = 0;
      for (Write& w : out.writes) {
        disks_[id - 1].push_back(w.record);
        last = w.seq;
      }
      for (Envelope& e : out.messages) queue_.push_back(std::move(e));
      for (SlotValue& v : out.committed) applied_[id - 1].push_back(std::move(v));
      if (last == 0) break;
      r(id).on_durable(last);
    }
  }
  // Delivers until the queue is empty (bounded).
  void settle() {
    for (int i = 0; i < 10'000 && !queue_.empty(); ++i) {
      Envelope e = std::move(queue_.front());
      queue_.pop_front();
      const std::uint32_t to = e.to.value();
      if (!up(to) || cut_.count({e.from.value(), to}) != 0) continue;
      r(to).step(e);
      pump(to);
      if (r(to).is_leader()) {
        r(to).announce_commit();
        pump(to);
      }
    }
    ASSERT_TRUE(queue_.empty()) << "messages still flowing";
  }
  void tick_all(int ticks) {
    for (int t = 0; t < ticks; ++t) {
      for (std::uint32_t i = 1; i <= n_; ++i) {
        if (!up(i)) continue;
        r(i).tick();
        pump(i);
      }
      settle();
    }
  }
  std::optional<std::uint32_t> primary() {
    for (std::uint32_t i = 1; i <= n_; ++i) {
      if (up(i) && r(i).is_leader()) return i;
    }
    return std::nullopt;
  }

 private:
  std::uint32_t n_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::vector<std::vector<Record>> disks_;
  std::vector<std::vector<SlotValue>> applied_;
  std::deque<Envelope> queue_;
  std::set<std::pair<std::uint32_t, std::uint32_t>> cut_;
};

std::vector<std::string> commands(const std::vector<SlotValue>& log) {
  std::vector<std::string> out;
  for (const SlotValue& v : log) {
    for (const Value& c : v.value.commands) out.push_back(c);
  }
  return out;
}

TEST(VsrReplica, PrimaryOfViewZeroCommitsAndEveryReplicaAppliesInOrder) {
  Cluster c(3);
  ASSERT_TRUE(c.r(1).is_leader());
  EXPECT_EQ(c.r(2).leader_hint(), NodeId{1});
  c.submit(1, "a");
  c.submit(1, "b");
  c.settle();
  for (std::uint32_t i = 1; i <= 3; ++i) {
    EXPECT_EQ(commands(c.applied(i)), (std::vector<std::string>{"a", "b"})) << "replica " << i;
    EXPECT_EQ(c.r(i).commit_index(), Slot{2});
  }
  EXPECT_EQ(c.r(2).submit("x").status, log::SubmitStatus::kNotLeader);
}

TEST(VsrReplica, BackupWithAGapFetchesTheMissingOpsByStateTransfer) {
  Cluster c(3);
  c.cut(1, 3);
  c.submit(1, "a");
  c.settle();
  c.heal();
  c.submit(1, "b");  // op 2 reaches replica 3, which never saw op 1
  c.settle();
  EXPECT_EQ(c.r(3).op(), Slot{2});
  EXPECT_FALSE(c.r(3).transferring());
  EXPECT_EQ(commands(c.applied(3)), (std::vector<std::string>{"a", "b"}));
}

TEST(VsrReplica, ViewChangeKeepsAnOpOnlyOneBackupHolds) {
  Cluster c(3);
  c.cut(1, 3);
  c.submit(1, "kept");  // committed by replicas 1 and 2
  c.settle();
  ASSERT_EQ(c.r(1).commit_index(), Slot{1});
  c.crash(1);
  c.heal();
  c.tick_all(300);
  ASSERT_TRUE(c.primary().has_value());
  const std::uint32_t p = *c.primary();
  EXPECT_NE(p, 1u);
  EXPECT_GE(c.r(p).view(), View{1});
  c.submit(p, "next");
  c.settle();
  for (std::uint32_t i : {2u, 3u}) {
    EXPECT_EQ(commands(c.applied(i)), (std::vector<std::string>{"kept", "next"})) << "replica " << i;
  }
}

TEST(VsrReplica, NewPrimaryMissingCommittedOpsFetchesThemBeforeStartingTheView) {
  Cluster c(3);
  c.cut(1, 2);  // replica 2, the primary of view 1, misses everything
  for (const char* cmd : {"a", "b", "c"}) c.submit(1, cmd);
  c.settle();
  ASSERT_EQ(c.r(3).commit_index(), Slot{3});
  ASSERT_EQ(c.r(2).op(), Slot{0});
  c.crash(1);
  c.heal();
  c.tick_all(300);
  ASSERT_TRUE(c.r(2).is_leader() || c.r(3).is_leader());
  for (std::uint32_t i : {2u, 3u}) {
    EXPECT_EQ(commands(c.applied(i)), (std::vector<std::string>{"a", "b", "c"})) << "replica " << i;
  }
}

TEST(VsrReplica, RestartedPrimaryHandsItsViewOver) {
  Cluster c(3);
  c.submit(1, "a");
  c.settle();
  c.crash(1);
  c.start(1);
  // It may have sent Prepares its disk lost: it must not resume as primary.
  EXPECT_FALSE(c.r(1).is_leader());
  EXPECT_EQ(c.r(1).view(), View{1});
  c.settle();
  c.tick_all(5);
  ASSERT_TRUE(c.r(2).is_leader()) << "the primary of view 1 takes over";
  c.submit(2, "b");
  c.settle();
  EXPECT_EQ(commands(c.applied(1)), (std::vector<std::string>{"a", "b"}));
}

TEST(VsrReplica, BackupRecoversItsLogFromItsRecords) {
  Cluster c(3);
  for (const char* cmd : {"a", "b"}) c.submit(1, cmd);
  c.settle();
  c.crash(3);
  c.start(3);
  EXPECT_EQ(c.r(3).op(), Slot{2});
  EXPECT_EQ(c.r(3).view(), View{0});
  EXPECT_FALSE(c.r(3).is_leader());
  // Its records hold a commit number that lags by a message at most; the
  // primary's next heartbeat brings the rest.
  c.tick_all(20);
  EXPECT_EQ(commands(c.applied(3)), (std::vector<std::string>{"a", "b"}));
}

TEST(VsrRecords, ReplayTruncatesOnLogRecordsAndOnlyRestatesOnCompaction) {
  auto batch = [](const char* c) { return Batch{{c}}; };
  DurableState s;
  EXPECT_FALSE(s.any);
  s.apply(ViewRecord{View{0}, View{0}});
  s.apply(LogRecord{View{0}, Slot{0}, {{Slot{1}, batch("a")}, {Slot{2}, batch("b")}, {Slot{3}, batch("c")}}, Slot{1}});
  // A StartView of view 2 replaces everything above op 1.
  s.apply(ViewRecord{View{2}, View{0}});
  s.apply(LogRecord{View{2}, Slot{1}, {{Slot{2}, batch("x")}}, Slot{2}});
  EXPECT_TRUE(s.any);
  EXPECT_EQ(s.view, View{2});
  EXPECT_EQ(s.log_view, View{2});
  ASSERT_EQ(s.log.size(), 2u);
  EXPECT_EQ(s.log.at(Slot{2}), batch("x"));
  EXPECT_EQ(s.commit, Slot{2});
  // A compaction forgets ops at or below it and never drops the ops above,
  // so replaying only a prefix of a split compaction loses nothing.
  s.apply(LogRecord{View{2}, Slot{2}, {{Slot{3}, batch("y")}, {Slot{4}, batch("z")}}, Slot{2}});
  s.apply(CompactRecord{View{2}, View{2}, Slot{2}, Slot{2}, {{Slot{3}, batch("y")}}});
  EXPECT_EQ(s.compacted, Slot{2});
  ASSERT_EQ(s.log.size(), 2u);
  EXPECT_EQ(s.log.begin()->first, Slot{3});
  EXPECT_EQ(s.log.at(Slot{4}), batch("z"));
}

TEST(VsrReplica, BugNamesRoundTrip) {
  for (const std::string& name : bug_names()) EXPECT_TRUE(bugs_from_name(name).has_value()) << name;
  EXPECT_FALSE(bugs_from_name("no-such-bug").has_value());
}

}  // namespace
}  // namespace quorum::vsr
