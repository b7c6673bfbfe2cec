// Snapshots of the KV store and of the executor (client table + store):
// restore reproduces the state exactly, and any corruption or truncation is
// refused with the state left as it was.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "smr/bytes.h"
#include "smr/client_table.h"
#include "smr/kv_store.h"
#include "smr_test_util.h"

namespace quorum::smr {
namespace {

KvStore small_store() {
  KvStore kv;
  kv.apply({"SET", "a", "1"});
  kv.apply({"SET", "bb", std::string("x\0y", 3)});
  kv.apply({"INCR", "n"});
  kv.apply({"SET", "", ""});
  return kv;
}

TEST(KvSnapshot, RestoreReproducesTheState) {
  KvStore kv = small_store();
  const std::string snap = kv.snapshot();
  KvStore other;
  other.apply({"SET", "zzz", "will be replaced"});
  const auto r = other.restore(snap);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(other.digest(), kv.digest());
  EXPECT_EQ(other.snapshot(), snap);
  EXPECT_EQ(other.size(), kv.size());
  EXPECT_EQ(other.get("zzz"), std::nullopt);
  // Equal replies afterwards.
  for (const Command& c : std::vector<Command>{{"GET", "bb"}, {"INCR", "n"}, {"MGET", "a", "zzz", ""},
                                               {"SET", "a", "2", "XX"}, {"DEL", "a", "n"}, {"EXISTS", "a", "bb"}}) {
    EXPECT_EQ(other.apply(c), kv.apply(c));
  }
  EXPECT_EQ(other.digest(), kv.digest());
}

TEST(KvSnapshot, EmptyStore) {
  KvStore empty;
  KvStore kv = small_store();
  ASSERT_TRUE(kv.restore(empty.snapshot()).ok());
  EXPECT_EQ(kv.size(), 0u);
  EXPECT_EQ(kv.digest(), empty.digest());
}

TEST(KvSnapshot, KnownLayout) {
  KvStore kv;
  kv.apply({"SET", "k", "v"});
  const std::string snap = kv.snapshot();
  ASSERT_EQ(snap.size(), 4u + 1 + 1 + 4 + 4);
  EXPECT_EQ(snap.substr(0, 10), std::string("QKVS\x01\x01\x01k\x01v", 10));
}

// Every change of every single byte, to every other value, is detected.
template <typename Target>
void expect_every_byte_change_rejected(Target& target, const std::string& snap) {
  const auto digest = target.digest();
  const auto before = target.snapshot();
  for (std::size_t i = 0; i < snap.size(); ++i) {
    for (int delta = 1; delta < 256; ++delta) {
      std::string bad = snap;
      bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ delta);
      const auto r = target.restore(bad);
      ASSERT_FALSE(r.ok()) << "byte " << i << " xor " << delta;
      ASSERT_FALSE(r.error().empty());
    }
  }
  EXPECT_EQ(target.digest(), digest);
  EXPECT_EQ(target.snapshot(), before);
}

template <typename Target>
void expect_every_truncation_rejected(Target& target, const std::string& snap) {
  const auto digest = target.digest();
  for (std::size_t n = 0; n < snap.size(); ++n) {
    ASSERT_FALSE(target.restore(snap.substr(0, n)).ok()) << n;
  }
  EXPECT_FALSE(target.restore(snap + '\0').ok());
  EXPECT_FALSE(target.restore(snap + snap).ok());
  EXPECT_EQ(target.digest(), digest);
}

TEST(KvSnapshot, EverySingleByteCorruptionIsRejectedAndChangesNothing) {
  const std::string snap = small_store().snapshot();
  KvStore target;
  target.apply({"SET", "mine", "unchanged"});
  expect_every_byte_change_rejected(target, snap);
  EXPECT_EQ(target.get("mine"), "unchanged");
}

TEST(KvSnapshot, EveryTruncationIsRejectedAndChangesNothing) {
  const std::string snap = small_store().snapshot();
  KvStore target;
  target.apply({"SET", "mine", "unchanged"});
  expect_every_truncation_rejected(target, snap);
  EXPECT_EQ(target.get("mine"), "unchanged");
}

// Re-seals a body with a valid checksum, to reach the checks behind the CRC.
std::string sealed(std::string body) {
  bytes::seal(body);
  return body;
}

TEST(KvSnapshot, StructuralErrorsBehindAValidChecksum) {
  KvStore kv;
  auto error = [&](const std::string& s) {
    const auto r = kv.restore(s);
    return r.ok() ? std::string("<ok>") : r.error();
  };
  EXPECT_EQ(error("QKVS"), "kv snapshot: truncated (4 bytes)");
  EXPECT_EQ(error(sealed(std::string("XKVS\x01\x00", 6))), "kv snapshot: bad magic (not a key-value store snapshot)");
  EXPECT_EQ(error(sealed(std::string("QKVS\x02\x00", 6))), "kv snapshot: unknown version 2");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x05", 6))), "kv snapshot: entry count 5 exceeds the input");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x01\x01k\x05v", 10))), "kv snapshot: entry 0: bad value");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x02\x01k\x01v\x01k\x01w", 14))),
            "kv snapshot: entry 1: keys out of order or repeated");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x02\x01k\x01v\x01" "a\x01w", 14))),
            "kv snapshot: entry 1: keys out of order or repeated");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x00\x00", 7))), "kv snapshot: 1 trailing bytes");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x01\x01k\x01v", 10))), "<ok>");
  EXPECT_EQ(kv.get("k"), "v");
}

RC_GTEST_PROP(KvSnapshot, RandomWorkloadsRestoreExactly, ()) {
  const auto commands = *rc::gen::container<std::vector<Command>>(test::gen_kv_command());
  KvStore kv;
  for (const auto& c : commands) kv.apply(c);
  KvStore copy;
  RC_ASSERT(copy.restore(kv.snapshot()).ok());
  // restore() computes the digest from scratch; apply() keeps it incrementally.
  RC_ASSERT(copy.digest() == kv.digest());
  RC_ASSERT(copy.snapshot() == kv.snapshot());
  const auto more = *rc::gen::container<std::vector<Command>>(test::gen_kv_command());
  for (const auto& c : more) RC_ASSERT(copy.apply(c) == kv.apply(c));
  RC_ASSERT(copy.digest() == kv.digest());
}

// ---- Executor snapshots -------------------------------------------------------

std::unique_ptr<Executor> make_executor(std::size_t max_clients = kDefaultMaxClients) {
  return std::make_unique<Executor>(std::make_unique<KvStore>(), max_clients);
}

std::unique_ptr<Executor> small_executor() {
  auto ex = make_executor(4);
  ex->execute({1, 1, {"INCR", "n"}}, 1);
  ex->execute({2, 1, {"SET", "k", "v"}}, 2);
  ex->execute({2, 2, {"MGET", "k", "n", "x"}}, 3);
  ex->execute({3, 7, {"GET", "k"}}, 3);  // expired: no session
  ex->execute({3, 1, {"INCR", "k"}}, 4);  // an error reply is cached too
  ex->execute({0, 0, {"SET", "anon", "1"}}, 0);
  return ex;
}

TEST(ExecutorSnapshot, RestoreReproducesTableAndStore) {
  auto ex = small_executor();
  const std::string snap = ex->snapshot();
  auto other = make_executor(4);
  other->execute({9, 1, {"SET", "junk", "1"}}, 1);
  const auto r = other->restore(snap);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(other->digest(), ex->digest());
  EXPECT_EQ(other->snapshot(), snap);
  EXPECT_EQ(other->client_table().sessions(), ex->client_table().sessions());
  EXPECT_EQ(other->client_table().find(9), nullptr);
  // Equal replies afterwards, including the cached duplicates and the errors.
  const std::vector<ClientRequest> after = {
      {1, 1, {"INCR", "n"}},           // duplicate: cached 1
      {2, 2, {"MGET", "k", "n", "x"}}, // duplicate: cached array
      {2, 1, {"SET", "k", "zz"}},      // stale
      {3, 1, {"INCR", "k"}},           // duplicate of a cached error
      {1, 2, {"INCR", "n"}},           // new: 2
      {5, 1, {"SET", "x", "1"}},       // new session: the table of 4 is now full
      {6, 1, {"SET", "y", "1"}},       // new session: evicts the least recently active (client 2)
      {7, 3, {"GET", "x"}},            // expired
  };
  std::uint64_t index = 10;
  for (const auto& req : after) {
    const Reply a = ex->execute(req, index);
    const Reply b = other->execute(req, index);
    EXPECT_EQ(a, b) << describe(req);
    ++index;
  }
  EXPECT_EQ(ex->execute({1, 1, {"INCR", "n"}}, index), Reply::error("ERR stale request"));
  EXPECT_EQ(other->digest(), ex->digest());
  EXPECT_EQ(other->snapshot(), ex->snapshot());
}

TEST(ExecutorSnapshot, EverySingleByteCorruptionIsRejectedAndChangesNothing) {
  const std::string snap = small_executor()->snapshot();
  auto target = make_executor(4);
  target->execute({9, 1, {"SET", "mine", "unchanged"}}, 1);
  expect_every_byte_change_rejected(*target, snap);
  EXPECT_EQ(target->client_table().size(), 1u);
  EXPECT_EQ(target->execute({9, 1, {"SET", "mine", "x"}}, 2), Reply::ok());  // still a duplicate
}

TEST(ExecutorSnapshot, EveryTruncationIsRejectedAndChangesNothing) {
  const std::string snap = small_executor()->snapshot();
  auto target = make_executor(4);
  target->execute({9, 1, {"SET", "mine", "unchanged"}}, 1);
  expect_every_truncation_rejected(*target, snap);
  EXPECT_NE(target->client_table().find(9), nullptr);
}

TEST(ExecutorSnapshot, InnerStoreFailureLeavesTheTableUnchanged) {
  // A well-formed executor snapshot whose inner KV snapshot is corrupt (and
  // re-sealed outside): the store refuses it, and the table must not change.
  auto ex = small_executor();
  std::string snap = ex->snapshot();
  snap.resize(snap.size() - 4);                   // drop the outer CRC
  snap[snap.size() - 5] ^= 0x01;                  // corrupt the inner store's bytes
  snap = sealed(snap);
  auto target = make_executor(4);
  target->execute({9, 1, {"SET", "mine", "unchanged"}}, 1);
  const auto digest = target->digest();
  const auto r = target->restore(snap);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "executor snapshot: kv snapshot: checksum mismatch (corrupted or truncated)");
  EXPECT_EQ(target->digest(), digest);
  EXPECT_NE(target->client_table().find(9), nullptr);
  EXPECT_EQ(target->client_table().find(1), nullptr);
}

TEST(ExecutorSnapshot, TableLargerThanTheLimitIsRefused) {
  auto ex = make_executor(10);
  for (std::uint64_t c = 1; c <= 5; ++c) ex->execute({c, 1, {"INCR", "n"}}, c);
  auto small = make_executor(4);
  const auto r = small->restore(ex->snapshot());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "executor snapshot: client table holds 5 sessions, more than this table's limit of 4");
  auto big = make_executor(5);
  EXPECT_TRUE(big->restore(ex->snapshot()).ok());
}

TEST(ExecutorSnapshot, StructuralErrorsBehindAValidChecksum) {
  auto ex = make_executor(4);
  auto error = [&](const std::string& s) {
    const auto r = ex->restore(s);
    return r.ok() ? std::string("<ok>") : r.error();
  };
  const std::string empty_kv = KvStore().snapshot();
  const std::string kv_field = std::string(1, static_cast<char>(empty_kv.size())) + empty_kv;
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x00", 6) + kv_field)), "<ok>");
  EXPECT_EQ(error(sealed(std::string("QKVS\x01\x00", 6) + kv_field)), "executor snapshot: bad magic (not an executor snapshot)");
  EXPECT_EQ(error(sealed(std::string("QEXS\x02\x00", 6) + kv_field)), "executor snapshot: unknown version 2");
  // client 0, client ids out of order, request number 0, bad reply kind.
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x01\x00\x01\x01\x04", 10) + kv_field)),
            "executor snapshot: client table session 0: client id 0");
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x02\x02\x01\x01\x04\x01\x01\x01\x04", 14) + kv_field)),
            "executor snapshot: client table session 1: client ids out of order or repeated");
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x01\x01\x00\x01\x04", 10) + kv_field)),
            "executor snapshot: client table session 0: request number 0");
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x01\x01\x01\x01\x09", 10) + kv_field)),
            "executor snapshot: client table session 0: malformed reply");
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x00", 6) + kv_field + "x")), "executor snapshot: 1 trailing bytes");
  EXPECT_EQ(error(sealed(std::string("QEXS\x01\x00\x00", 7))), "executor snapshot: kv snapshot: truncated (0 bytes)");
}

RC_GTEST_PROP(ExecutorSnapshot, RandomHistoriesRestoreExactly, ()) {
  const auto history = *test::gen_history(6);
  const auto split = *rc::gen::inRange<std::size_t>(0, history.size() + 1);
  auto a = make_executor(4);
  for (std::size_t i = 0; i < split; ++i) a->execute(history[i].request, history[i].log_index);
  auto b = make_executor(4);
  RC_ASSERT(b->restore(a->snapshot()).ok());
  RC_ASSERT(b->digest() == a->digest());
  for (std::size_t i = split; i < history.size(); ++i) {
    RC_ASSERT(a->execute(history[i].request, history[i].log_index) ==
              b->execute(history[i].request, history[i].log_index));
  }
  RC_ASSERT(b->digest() == a->digest());
  RC_ASSERT(b->snapshot() == a->snapshot());
}

}  // namespace
}  // namespace quorum::smr
