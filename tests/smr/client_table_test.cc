// At-most-once execution through the client table (VR Revisited section 4,
// Raft thesis section 6.3).
#include "smr/client_table.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/assert.h"
#include "smr/kv_store.h"
#include "smr_test_util.h"

namespace quorum::smr {
namespace {

// A state machine that counts how often it is applied, to prove duplicates
// never reach it.
class CountingMachine final : public StateMachine {
 public:
  explicit CountingMachine(int* applied) : applied_(applied) {}
  Reply apply(const Command& c) override {
    ++*applied_;
    return kv_.apply(c);
  }
  std::string snapshot() const override { return kv_.snapshot(); }
  RestoreResult restore(std::string_view s) override { return kv_.restore(s); }
  std::uint64_t digest() const override { return kv_.digest(); }
  std::unique_ptr<StateMachine> clone() const override { return std::make_unique<CountingMachine>(*this); }

 private:
  int* applied_;
  KvStore kv_;
};

struct Fixture {
  explicit Fixture(std::size_t max_clients = kDefaultMaxClients)
      : ex(std::make_unique<CountingMachine>(&applied), max_clients) {}
  int applied = 0;
  Executor ex;
  std::optional<std::string> get(const std::string& key) {
    const Reply r = ex.execute({kNoSession, 0, {"GET", key}}, 0);
    if (r.is_nil()) return std::nullopt;
    return r.str();
  }
};

const Reply kStale = Reply::error("ERR stale request");
const Reply kExpired = Reply::error("ERR session expired");

TEST(ClientTable, DuplicateReturnsTheCachedReplyWithoutReapplying) {
  Fixture f;
  EXPECT_EQ(f.ex.execute({1, 1, {"INCR", "n"}}, 1), Reply::integer(1));
  EXPECT_EQ(f.applied, 1);
  // The same request committed again (a client retry that got into the log twice).
  EXPECT_EQ(f.ex.execute({1, 1, {"INCR", "n"}}, 2), Reply::integer(1));
  EXPECT_EQ(f.ex.execute({1, 1, {"INCR", "n"}}, 3), Reply::integer(1));
  EXPECT_EQ(f.applied, 1);
  EXPECT_EQ(f.get("n"), "1");
  EXPECT_EQ(f.ex.stats().duplicates, 2u);
  // The next request is executed.
  EXPECT_EQ(f.ex.execute({1, 2, {"INCR", "n"}}, 4), Reply::integer(2));
  EXPECT_EQ(f.get("n"), "2");
}

TEST(ClientTable, TheCachedReplyIsReturnedEvenIfTheCommandDiffers) {
  // A request is identified by (client, number); the cache answers for it.
  Fixture f;
  EXPECT_EQ(f.ex.execute({1, 1, {"SET", "k", "v"}}, 1), Reply::ok());
  EXPECT_EQ(f.ex.execute({1, 1, {"GET", "k"}}, 2), Reply::ok());
  EXPECT_EQ(f.applied, 1);
}

TEST(ClientTable, ErrorRepliesAreCachedToo) {
  Fixture f;
  f.ex.execute({kNoSession, 0, {"SET", "k", "text"}}, 0);
  EXPECT_EQ(f.ex.execute({1, 1, {"INCR", "k"}}, 1), Reply::error("ERR value is not an integer or out of range"));
  f.ex.execute({kNoSession, 0, {"SET", "k", "5"}}, 0);
  // Re-executing would now succeed; the duplicate must still see the original answer.
  EXPECT_EQ(f.ex.execute({1, 1, {"INCR", "k"}}, 2), Reply::error("ERR value is not an integer or out of range"));
  EXPECT_EQ(f.get("k"), "5");
}

TEST(ClientTable, StaleRequestIsRefusedAndNeverExecuted) {
  Fixture f;
  EXPECT_EQ(f.ex.execute({1, 1, {"SET", "k", "old"}}, 1), Reply::ok());
  EXPECT_EQ(f.ex.execute({1, 5, {"SET", "k", "new"}}, 2), Reply::ok());  // gaps are allowed
  EXPECT_EQ(f.ex.execute({1, 1, {"SET", "k", "old"}}, 3), kStale);
  EXPECT_EQ(f.ex.execute({1, 4, {"SET", "k", "old"}}, 3), kStale);
  EXPECT_EQ(f.get("k"), "new");
  EXPECT_EQ(f.applied, 2 + 1);  // two writes and the GET
  EXPECT_EQ(f.ex.client_table().find(1)->last_request_no, 5u);
  EXPECT_EQ(f.ex.client_table().find(1)->last_reply, Reply::ok());
}

TEST(ClientTable, NoSessionAlwaysApplies) {
  Fixture f;
  for (int i = 1; i <= 3; ++i) {
    EXPECT_EQ(f.ex.execute({kNoSession, 1, {"INCR", "n"}}, 7), Reply::integer(i));
  }
  EXPECT_EQ(f.ex.client_table().size(), 0u);
  // The log index of a no-session request is not used: any value is fine.
  EXPECT_EQ(f.ex.execute({kNoSession, 0, {"INCR", "n"}}, 0), Reply::integer(4));
}

TEST(ClientTable, RequestNumberZeroIsInvalid) {
  Fixture f;
  EXPECT_EQ(f.ex.execute({1, 0, {"SET", "k", "v"}}, 1), Reply::error("ERR invalid request number 0"));
  EXPECT_EQ(f.applied, 0);
  EXPECT_EQ(f.ex.client_table().size(), 0u);
}

TEST(ClientTable, UnknownClientMustStartAtOne) {
  Fixture f;
  EXPECT_EQ(f.ex.execute({1, 2, {"SET", "k", "v"}}, 1), kExpired);
  EXPECT_EQ(f.applied, 0);
  EXPECT_EQ(f.ex.client_table().size(), 0u);
  EXPECT_EQ(f.ex.execute({1, 1, {"SET", "k", "v"}}, 2), Reply::ok());
  EXPECT_EQ(f.ex.client_table().size(), 1u);
}

TEST(ClientTable, EvictsTheLeastRecentlyActiveSession) {
  Fixture f(3);
  f.ex.execute({10, 1, {"INCR", "a"}}, 1);
  f.ex.execute({20, 1, {"INCR", "b"}}, 2);
  f.ex.execute({30, 1, {"INCR", "c"}}, 3);
  // A retry counts as activity: client 10 is now the most recent.
  f.ex.execute({10, 1, {"INCR", "a"}}, 4);
  // A stale request does not.
  f.ex.execute({30, 0, {"INCR", "c"}}, 5);
  EXPECT_EQ(f.ex.client_table().size(), 3u);
  f.ex.execute({40, 1, {"INCR", "d"}}, 6);  // evicts 20 (activity 2)
  EXPECT_EQ(f.ex.client_table().size(), 3u);
  EXPECT_EQ(f.ex.client_table().find(20), nullptr);
  EXPECT_EQ(f.ex.stats().evictions, 1u);
  f.ex.execute({50, 1, {"INCR", "e"}}, 7);  // evicts 30 (activity 3)
  EXPECT_EQ(f.ex.client_table().find(30), nullptr);
  EXPECT_NE(f.ex.client_table().find(10), nullptr);
  EXPECT_NE(f.ex.client_table().find(40), nullptr);
  EXPECT_NE(f.ex.client_table().find(50), nullptr);
}

TEST(ClientTable, EvictionTiesGoToTheSmallestClientId) {
  // One log slot (a batch) carries requests of several clients: equal activity.
  Fixture f(3);
  f.ex.execute_batch({{7, 1, {"INCR", "a"}}, {3, 1, {"INCR", "a"}}, {5, 1, {"INCR", "a"}}}, 1);
  f.ex.execute({9, 1, {"INCR", "a"}}, 2);
  EXPECT_EQ(f.ex.client_table().find(3), nullptr);
  f.ex.execute({1, 1, {"INCR", "a"}}, 3);
  EXPECT_EQ(f.ex.client_table().find(5), nullptr);
  EXPECT_NE(f.ex.client_table().find(7), nullptr);
}

TEST(ClientTable, EvictedSessionGetsSessionExpiredAndIsNotExecuted) {
  Fixture f(2);
  EXPECT_EQ(f.ex.execute({1, 1, {"INCR", "n"}}, 1), Reply::integer(1));
  f.ex.execute({2, 1, {"INCR", "x"}}, 2);
  f.ex.execute({3, 1, {"INCR", "x"}}, 3);  // evicts client 1
  ASSERT_EQ(f.ex.client_table().find(1), nullptr);
  const int applied = f.applied;
  // Client 1 retries request 1 (it never saw the reply) and sends request 2:
  // request 1 would run a second time if a session were silently recreated.
  EXPECT_EQ(f.ex.execute({1, 2, {"INCR", "n"}}, 4), kExpired);
  EXPECT_EQ(f.applied, applied);
  EXPECT_EQ(f.get("n"), "1");
  EXPECT_EQ(f.ex.stats().expired, 1u);
  // Limitation (documented): a retry of request 1 itself looks like a new
  // client and runs again. Clients therefore use a fresh id per session.
}

TEST(ClientTable, TableStaysBounded) {
  Fixture f(100);
  for (std::uint64_t c = 1; c <= 1000; ++c) {
    f.ex.execute({c, 1, {"INCR", "n"}}, c);
    ASSERT_LE(f.ex.client_table().size(), 100u);
  }
  EXPECT_EQ(f.ex.client_table().size(), 100u);
  EXPECT_EQ(f.ex.stats().evictions, 900u);
  // The survivors are the 100 most recent.
  EXPECT_EQ(f.ex.client_table().sessions().begin()->first, 901u);
  EXPECT_EQ(f.get("n"), "1000");
}

void throwing(const InvariantFailure& failure) { throw failure; }

TEST(ClientTable, LogIndexMustNotGoBackwards) {
  ScopedInvariantHandler guard(&throwing);
  Fixture f;
  f.ex.execute({1, 1, {"INCR", "n"}}, 5);
  f.ex.execute({2, 1, {"INCR", "n"}}, 5);  // same slot: fine
  try {
    f.ex.execute({3, 1, {"INCR", "n"}}, 4);
    FAIL() << "expected AppliedInLogOrder";
  } catch (const InvariantFailure& failure) {
    EXPECT_EQ(failure.property, "AppliedInLogOrder");
  }
}

// Two replicas fed the same committed requests end in the same state, evict
// the same sessions and give the same replies.
RC_GTEST_PROP(ClientTable, SameHistorySameStateOnEveryReplica, ()) {
  const auto history = *test::gen_history(8);
  const auto max_clients = *rc::gen::inRange<std::size_t>(1, 6);
  Executor a(std::make_unique<KvStore>(), max_clients);
  Executor b(std::make_unique<KvStore>(), max_clients);
  for (const auto& step : history) {
    RC_ASSERT(a.execute(step.request, step.log_index) == b.execute(step.request, step.log_index));
    RC_ASSERT(a.digest() == b.digest());
    RC_ASSERT(a.client_table().size() <= max_clients);
  }
  RC_ASSERT(a.snapshot() == b.snapshot());
  RC_ASSERT(a.client_table().sessions() == b.client_table().sessions());
  const auto& st = a.stats();
  RC_CLASSIFY(st.duplicates > 0, "duplicates");
  RC_CLASSIFY(st.stale > 0, "stale");
  RC_CLASSIFY(st.evictions > 0, "evictions");
  RC_CLASSIFY(st.expired > 0, "expired");
}

// Replaying a whole history a second time (every request a duplicate or stale)
// changes nothing in the state machine, as long as no session was evicted.
RC_GTEST_PROP(ClientTable, ReplayingCommittedRequestsIsHarmless, ()) {
  const auto history = *test::gen_history(5);
  Executor ex(std::make_unique<KvStore>(), 16);
  std::vector<Reply> first;
  std::uint64_t last_index = 0;
  for (const auto& step : history) {
    first.push_back(ex.execute(step.request, step.log_index));
    last_index = step.log_index;
  }
  const auto kv_digest = ex.state_machine().digest();
  const auto stats = ex.stats();
  for (const auto& step : history) {
    if (step.request.client_id == kNoSession) continue;
    const Reply again = ex.execute(step.request, last_index + 1);
    const Session* s = ex.client_table().find(step.request.client_id);
    RC_ASSERT(again == kStale || again == kExpired || (s != nullptr && again == s->last_reply) ||
              again == Reply::error("ERR invalid request number 0"));
  }
  RC_ASSERT(ex.state_machine().digest() == kv_digest);
  RC_ASSERT(ex.stats().applied == stats.applied);
}

TEST(ClientTable, DigestCoversTheTable) {
  Executor a(std::make_unique<KvStore>());
  Executor b(std::make_unique<KvStore>());
  a.execute({1, 1, {"GET", "k"}}, 1);
  b.execute({2, 1, {"GET", "k"}}, 1);
  EXPECT_EQ(a.state_machine().digest(), b.state_machine().digest());
  EXPECT_NE(a.digest(), b.digest());
  Executor c(std::make_unique<KvStore>());
  c.execute({1, 1, {"GET", "k"}}, 2);  // same session, different activity
  EXPECT_NE(a.digest(), c.digest());
}

}  // namespace
}  // namespace quorum::smr
