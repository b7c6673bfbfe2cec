// The bridge between the Dafny proof and the code: proofs/learners.dfy
// defines the learning rules the proof is about, and paxos::Learner is the
// code that runs. This test transcribes the Dafny definitions line by line
// (the Model namespace below) and checks, on many seeded random vote sets
// and on hand-picked adversarial ones, that the learner learns exactly when
// the transcribed predicate says a value is learnable, and learns that value.
//
// The Dafny model numbers ballots 0, 1, 2, ... with one leader each; the
// code's ballots are (round, node) pairs, numbered by paxos::ballot_number
// over the ballot owners (docs/consecutive-ballots.md, "The rule"). Votes are
// generated in the model's integer ballots and handed to the learner as the
// code's ballots through an independent transcription of that numbering.
//
// The learner keeps at most Learner::kMaxTrackedProposals (ballot, value)
// pairs; the vote sets here stay below that bound, where the learner forgets
// nothing. Beyond it the learner sees a subset of the votes, which by
// ConsecutiveMonotone (learners.dfy) makes it learn no more than the model.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/prng.h"
#include "paxos/learner.h"
#include "paxos_test_support.h"

namespace quorum::paxos {
namespace {

using testing_support::ThrowOnInvariant;

// A 2b message of the model: Accepted(bal, acc, val).
struct ModelVote {
  std::uint64_t bal;
  std::uint32_t acc;
  Value val;
};
// The model's votes are a set; a vector with repeats has the same meaning,
// because every definition below reads votes only through "exists" and set
// comprehensions, which cannot count.
using ModelVotes = std::vector<ModelVote>;

namespace model {

// datatype Constants = Constants(members: set<Acceptor>, q1: nat, q2: nat)
struct Constants {
  std::set<std::uint32_t> members;
  std::uint32_t q1;
  std::uint32_t q2;
};

// proofs/quorums.dfy
// predicate IsPhase2Quorum(c: Constants, s: set<Acceptor>)
bool IsPhase2Quorum(const Constants& c, const std::set<std::uint32_t>& s) {
  // |s * c.members| >= c.q2
  std::uint32_t in_members = 0;
  for (std::uint32_t a : s) in_members += c.members.count(a) ? 1 : 0;
  return in_members >= c.q2;
}

// proofs/learners.dfy
// predicate VotedAt(votes: set<Message>, b: Ballot, v: Value)
bool VotedAt(const ModelVotes& votes, std::uint64_t b, const Value& v) {
  // exists m :: m in votes && m.Accepted? && m.bal == b && m.val == v
  return std::any_of(votes.begin(), votes.end(),
                     [&](const ModelVote& m) { return m.bal == b && m.val == v; });
}

// function VotersOver(votes: set<Message>, lo: Ballot, hi: Ballot, v: Value): set<Acceptor>
std::set<std::uint32_t> VotersOver(const ModelVotes& votes, std::uint64_t lo, std::uint64_t hi,
                                   const Value& v) {
  // set m | m in votes && m.Accepted? && lo <= m.bal <= hi && m.val == v :: m.acc
  std::set<std::uint32_t> out;
  for (const ModelVote& m : votes) {
    if (lo <= m.bal && m.bal <= hi && m.val == v) out.insert(m.acc);
  }
  return out;
}

// predicate ChosenClassic(c: Constants, votes: set<Message>, b: Ballot, v: Value)
bool ChosenClassic(const Constants& c, const ModelVotes& votes, std::uint64_t b, const Value& v) {
  // IsPhase2Quorum(c, VotersOver(votes, b, b, v))
  return IsPhase2Quorum(c, VotersOver(votes, b, b, v));
}

// predicate ChosenConsecutive(c: Constants, votes: set<Message>, lo: Ballot, hi: Ballot, v: Value)
bool ChosenConsecutive(const Constants& c, const ModelVotes& votes, std::uint64_t lo,
                       std::uint64_t hi, const Value& v) {
  // && lo <= hi
  if (!(lo <= hi)) return false;
  // && (forall b: Ballot :: lo <= b <= hi ==> VotedAt(votes, b, v))
  for (std::uint64_t b = lo; b <= hi; ++b) {
    if (!VotedAt(votes, b, v)) return false;
  }
  // && IsPhase2Quorum(c, VotersOver(votes, lo, hi, v))
  return IsPhase2Quorum(c, VotersOver(votes, lo, hi, v));
}

// The "exists b" and "exists lo, hi" below range over every ballot. Only a
// ballot that holds a vote for v can make ChosenClassic true (q2 >= 1), or
// be the lo or hi of a ChosenConsecutive range (VotedAt(votes, lo, v) and
// VotedAt(votes, hi, v)) with lo <= hi, so ranging over the voted ballots
// in order is the same.
std::set<std::uint64_t> VotedBallots(const ModelVotes& votes) {
  std::set<std::uint64_t> out;
  for (const ModelVote& m : votes) out.insert(m.bal);
  return out;
}

// predicate LearnsClassic(c: Constants, votes: set<Message>, v: Value)
bool LearnsClassic(const Constants& c, const ModelVotes& votes, const Value& v) {
  // exists b: Ballot :: ChosenClassic(c, votes, b, v)
  for (std::uint64_t b : VotedBallots(votes)) {
    if (ChosenClassic(c, votes, b, v)) return true;
  }
  return false;
}

// predicate LearnsConsecutive(c: Constants, votes: set<Message>, v: Value)
bool LearnsConsecutive(const Constants& c, const ModelVotes& votes, const Value& v) {
  // exists lo: Ballot, hi: Ballot :: ChosenConsecutive(c, votes, lo, hi, v)
  std::set<std::uint64_t> ballots = VotedBallots(votes);
  for (auto lo = ballots.begin(); lo != ballots.end(); ++lo) {
    for (auto hi = lo; hi != ballots.end(); ++hi) {
      if (ChosenConsecutive(c, votes, *lo, *hi, v)) return true;
    }
  }
  return false;
}

}  // namespace model

// Model ballot n is the ballot of the (n mod k)-th owner, in node order, in
// round n / k + 1 (k owners): the numbering paxos::ballot_number documents,
// written out here from the documentation, not from its code.
Ballot to_code_ballot(std::uint64_t n, const std::vector<NodeId>& owners_in_order) {
  const std::uint64_t k = owners_in_order.size();
  return Ballot{n / k + 1, owners_in_order[n % k]};
}

// One vote set with the cluster it is cast in.
struct Case {
  std::uint32_t n = 3;        // members 1..n
  std::uint32_t q2 = 2;       // q1 = n - q2 + 1, the smallest that intersects
  NodeSet proposers;          // empty: every member owns ballots
  ModelVotes votes;           // in the order the learner receives them
};

Config config_for(const Case& k, LearnerRule rule, Bugs bugs) {
  return Config{NodeId{1},
                QuorumSystem::flexible(NodeSet::first_n(k.n), k.n - k.q2 + 1, k.q2),
                Timing{},
                rule,
                k.proposers,
                bugs,
                /*seed=*/0};
}

// As paxos::Node builds its learner (node.cc), so that a --break variant is
// configured exactly as the simulator and the model checker run it.
Learner learner_for(const Config& config) {
  return Learner(config.quorums,
                 config.bugs.consecutive_with_gaps ? LearnerRule::kConsecutive : config.learner,
                 config.ballot_owners(), config.bugs.consecutive_with_gaps);
}

model::Constants constants_for(const Case& k) {
  model::Constants c{{}, k.n - k.q2 + 1, k.q2};
  for (std::uint32_t a = 1; a <= k.n; ++a) c.members.insert(a);
  return c;
}

std::string describe(const Case& k) {
  std::ostringstream os;
  os << "n=" << k.n << " q2=" << k.q2 << " proposers=" << k.proposers.to_string() << " votes:";
  for (const ModelVote& v : k.votes) os << " \"" << v.val << "\"@" << v.bal << " by " << v.acc << ";";
  return os.str();
}

// Feeds the votes one at a time. After each, the learner must have learned
// exactly what the model learns from the votes so far: nothing until some
// value becomes learnable, then that value for good. Returns the first
// disagreement, or nullopt.
std::optional<std::string> first_disagreement(const Case& k, LearnerRule rule, Bugs bugs = {}) {
  const Config config = config_for(k, rule, bugs);
  const std::vector<NodeId> owners = config.ballot_owners().to_vector();
  const model::Constants c = constants_for(k);
  Learner learner = learner_for(config);
  const bool consecutive = rule == LearnerRule::kConsecutive || bugs.consecutive_with_gaps;

  ModelVotes seen;
  std::optional<Value> model_learned;
  for (std::size_t i = 0; i < k.votes.size(); ++i) {
    const ModelVote& vote = k.votes[i];
    seen.push_back(vote);
    const Ballot ballot = to_code_ballot(vote.bal, owners);
    if (ballot_number(ballot, config.ballot_owners()) != vote.bal) {
      return "ballot numbering: model ballot " + std::to_string(vote.bal) + " became " +
             ballot.to_string() + ", which paxos::ballot_number does not map back";
    }
    learner.on_accepted(NodeId{vote.acc}, Accepted{ballot, vote.val});

    // Before this vote nothing was learnable, and a vote for v changes the
    // answer for v only (every definition reads votes with m.val == v), so
    // the model learns the new vote's value or nothing.
    if (!model_learned && (consecutive ? model::LearnsConsecutive(c, seen, vote.val)
                                       : model::LearnsClassic(c, seen, vote.val))) {
      model_learned = vote.val;
    }
    if (learner.learned() != model_learned) {
      return "after vote " + std::to_string(i + 1) + " the learner learned \"" +
             learner.learned().value_or("<nothing>") + "\" and the Dafny predicate \"" +
             model_learned.value_or("<nothing>") + "\"; " + describe(k);
    }
  }
  return std::nullopt;
}

NodeSet random_subset(Prng& rng, std::uint32_t n) {
  NodeSet s;
  for (std::uint32_t a = 1; a <= n; ++a) {
    if (rng.range(0, 1) == 1) s.insert(NodeId{a});
  }
  if (s.empty()) s.insert(NodeId{static_cast<std::uint32_t>(rng.range(1, n))});
  return s;
}

// Vote sets meant to hit the rule's edges: short ballot ranges so that runs
// and gaps are common, a few values, repeats, non-members (who fill a ballot
// in a run but never count towards a quorum), and sometimes one value per
// ballot, as the protocol produces.
Case random_case(Prng& rng) {
  Case k;
  k.n = static_cast<std::uint32_t>(rng.range(1, 7));
  k.q2 = static_cast<std::uint32_t>(rng.range(1, k.n));
  if (rng.range(0, 3) != 0) k.proposers = random_subset(rng, k.n);
  const std::uint64_t max_ballot = rng.range(0, 9);
  const std::uint64_t value_count = rng.range(1, 3);
  const bool one_value_per_ballot = rng.range(0, 2) == 0;
  const bool with_non_members = rng.range(0, 4) == 0;
  // Some ballots hold no vote at all, so that runs break.
  std::vector<std::uint64_t> voted;
  for (std::uint64_t b = 0; b <= max_ballot; ++b) {
    if (rng.range(0, 4) != 0) voted.push_back(b);
  }
  if (voted.empty()) voted.push_back(max_ballot);
  auto value_at = [&](std::uint64_t b) {
    return std::string(1, static_cast<char>('a' + (b * 7 + 3) % value_count));
  };
  const std::uint64_t count = rng.range(1, 16);
  while (k.votes.size() < count) {
    if (!k.votes.empty() && rng.range(0, 7) == 0) {
      k.votes.push_back(k.votes[rng.range(0, k.votes.size() - 1)]);
      continue;
    }
    const std::uint64_t b = voted[rng.range(0, voted.size() - 1)];
    ModelVote v;
    v.bal = b;
    v.acc = static_cast<std::uint32_t>(rng.range(1, k.n + (with_non_members ? 2 : 0)));
    v.val = one_value_per_ballot ? value_at(b)
                                 : std::string(1, static_cast<char>('a' + rng.range(0, value_count - 1)));
    k.votes.push_back(v);
  }
  return k;
}

constexpr int kRandomCases = 50000;

class LearnerBridge : public ::testing::Test {
 protected:
  ThrowOnInvariant throw_on_invariant_;
};

TEST_F(LearnerBridge, ConsecutiveRuleIsTheDafnyPredicateOnRandomVoteSets) {
  Prng rng(0x5eed0022);
  int learned = 0;
  int only_over_a_range = 0;
  for (int i = 0; i < kRandomCases; ++i) {
    Case k = random_case(rng);
    auto bad = first_disagreement(k, LearnerRule::kConsecutive);
    ASSERT_FALSE(bad) << "case " << i << ": " << *bad;
    const model::Constants c = constants_for(k);
    bool consecutive = false;
    bool classic = false;
    for (const char* v : {"a", "b", "c"}) {
      consecutive = consecutive || model::LearnsConsecutive(c, k.votes, v);
      classic = classic || model::LearnsClassic(c, k.votes, v);
    }
    learned += consecutive ? 1 : 0;
    only_over_a_range += consecutive && !classic ? 1 : 0;
  }
  // Every outcome must be common, or the comparison says little: learning,
  // not learning, and learning only thanks to a range of several ballots.
  EXPECT_GT(learned, kRandomCases / 5);
  EXPECT_LT(learned, kRandomCases * 4 / 5);
  EXPECT_GT(only_over_a_range, kRandomCases / 50);
  std::cout << learned << " of " << kRandomCases << " vote sets learnable, " << only_over_a_range
            << " of them only over a range of several ballots\n";
}

TEST_F(LearnerBridge, ClassicRuleIsTheDafnyPredicateOnRandomVoteSets) {
  Prng rng(0x5eed0023);
  for (int i = 0; i < kRandomCases; ++i) {
    Case k = random_case(rng);
    auto bad = first_disagreement(k, LearnerRule::kClassic);
    ASSERT_FALSE(bad) << "case " << i << ": " << *bad;
  }
}

// Hand-picked cases with the answer worked out by hand, so that a
// transcription that drifted from learners.dfy cannot agree with a learner
// that drifted the same way.
struct Expected {
  const char* why;
  Case k;
  std::optional<Value> consecutive;
  std::optional<Value> classic;
};

std::vector<Expected> adversarial_cases() {
  auto vote = [](std::uint64_t b, std::uint32_t a, const char* v) { return ModelVote{b, a, v}; };
  return {
      {"two consecutive ballots, one vote each, make a majority of three",
       {3, 2, {}, {vote(0, 1, "a"), vote(1, 2, "a")}}, "a", std::nullopt},
      {"a gap breaks the run",
       {3, 2, {}, {vote(0, 1, "a"), vote(2, 2, "a")}}, std::nullopt, std::nullopt},
      {"a gap filled by another value still breaks the run",
       {3, 2, {}, {vote(0, 1, "a"), vote(1, 3, "b"), vote(2, 2, "a")}}, std::nullopt, std::nullopt},
      {"a range of one ballot is the classic rule",
       {3, 2, {}, {vote(4, 1, "a"), vote(4, 3, "a")}}, "a", "a"},
      {"a repeated vote counts once",
       {3, 2, {}, {vote(0, 1, "a"), vote(0, 1, "a"), vote(1, 1, "a")}}, std::nullopt, std::nullopt},
      {"votes for different values do not add up",
       {3, 2, {}, {vote(0, 1, "a"), vote(1, 2, "b")}}, std::nullopt, std::nullopt},
      {"a non-member's vote fills its ballot but does not count",
       {3, 2, {}, {vote(0, 1, "a"), vote(1, 9, "a"), vote(2, 2, "a")}}, "a", std::nullopt},
      {"a non-member alone is no quorum",
       {3, 1, {}, {vote(0, 9, "a")}}, std::nullopt, std::nullopt},
      {"the run restarts after a gap: 0-1 lack a quorum, 3-4 have one",
       {5, 3, {}, {vote(0, 1, "a"), vote(1, 2, "a"), vote(3, 3, "a"), vote(4, 4, "a"), vote(4, 5, "a")}},
       "a", std::nullopt},
      {"runs of different values interleaved by ballot",
       {3, 2, {}, {vote(0, 1, "a"), vote(1, 2, "b"), vote(2, 3, "b")}}, "b", std::nullopt},
      {"only proposers own ballots: with proposers {2, 3}, 0 is 1.2 and 1 is 1.3",
       {3, 2, NodeSet{NodeId{2}, NodeId{3}}, {vote(0, 1, "a"), vote(1, 3, "a")}}, "a", std::nullopt},
      {"one acceptor cluster",
       {1, 1, {}, {vote(7, 1, "z")}}, "z", "z"},
  };
}

TEST_F(LearnerBridge, AdversarialCasesMatchTheHandWorkedAnswer) {
  for (const Expected& e : adversarial_cases()) {
    SCOPED_TRACE(e.why);
    const model::Constants c = constants_for(e.k);
    for (const char* v : {"a", "b", "z"}) {
      EXPECT_EQ(model::LearnsConsecutive(c, e.k.votes, v), e.consecutive == Value(v)) << v;
      EXPECT_EQ(model::LearnsClassic(c, e.k.votes, v), e.classic == Value(v)) << v;
    }
    auto bad = first_disagreement(e.k, LearnerRule::kConsecutive);
    EXPECT_FALSE(bad) << *bad;
    bad = first_disagreement(e.k, LearnerRule::kClassic);
    EXPECT_FALSE(bad) << *bad;
  }
}

// The comparison must be able to fail: the learner of `--break
// consecutive-with-gaps` adds votes up across gaps, which the Dafny
// predicate forbids, and the same random cases must expose it.
TEST_F(LearnerBridge, CatchesTheConsecutiveWithGapsVariant) {
  Bugs gaps;
  gaps.consecutive_with_gaps = true;
  Prng rng(0x5eed0022);
  std::optional<std::string> found;
  for (int i = 0; i < kRandomCases && !found; ++i) {
    found = first_disagreement(random_case(rng), LearnerRule::kConsecutive, gaps);
  }
  ASSERT_TRUE(found) << "the broken learner agreed with the Dafny predicate on every case";
  EXPECT_NE(found->find("the Dafny predicate \"<nothing>\""), std::string::npos)
      << "the broken learner should learn where the predicate does not: " << *found;
  std::cout << "consecutive-with-gaps disagrees: " << *found << "\n";
}

}  // namespace
}  // namespace quorum::paxos
