// The two learning rules, over the votes (2b messages) a learner has seen.
// src/paxos/learner.cc implements both; docs/consecutive-ballots.md maps each
// definition here to the C++ that implements it, and
// tests/paxos/learner_bridge_test.cc checks the two agree.

include "paxos.dfy"

// Some acceptor, member or not, voted v at b. A vote from a non-member still
// fills its ballot in a range, exactly as the C++ learner keeps an entry for
// it; it is only not counted towards a quorum.
predicate VotedAt(votes: set<Message>, b: Ballot, v: Value)
{
  exists m :: m in votes && m.Accepted? && m.bal == b && m.val == v
}

// Every acceptor that voted v at some ballot of [lo, hi].
function VotersOver(votes: set<Message>, lo: Ballot, hi: Ballot, v: Value): set<Acceptor>
{
  set m | m in votes && m.Accepted? && lo <= m.bal <= hi && m.val == v :: m.acc
}

// Classic rule: a phase-2 quorum voted v in the single ballot b.
predicate ChosenClassic(c: Constants, votes: set<Message>, b: Ballot, v: Value)
{
  IsPhase2Quorum(c, VotersOver(votes, b, b, v))
}

// Consecutive rule: every ballot of [lo, hi] holds a vote for v, and the
// acceptors that voted v in the range form a phase-2 quorum.
predicate ChosenConsecutive(c: Constants, votes: set<Message>, lo: Ballot, hi: Ballot, v: Value)
{
  && lo <= hi
  && (forall b: Ballot :: lo <= b <= hi ==> VotedAt(votes, b, v))
  && IsPhase2Quorum(c, VotersOver(votes, lo, hi, v))
}

predicate LearnsClassic(c: Constants, votes: set<Message>, v: Value)
{
  exists b: Ballot :: ChosenClassic(c, votes, b, v)
}

predicate LearnsConsecutive(c: Constants, votes: set<Message>, v: Value)
{
  exists lo: Ballot, hi: Ballot :: ChosenConsecutive(c, votes, lo, hi, v)
}

// A range of one ballot is the classic rule.
lemma ClassicIsConsecutiveOverOneBallot(c: Constants, votes: set<Message>, b: Ballot, v: Value)
  requires ValidConstants(c)
  requires ChosenClassic(c, votes, b, v)
  ensures ChosenConsecutive(c, votes, b, b, v)
{
  // q2 >= 1, so the quorum has a voter, and that voter's vote fills b.
  var voters := VotersOver(votes, b, b, v);
  assert |voters * c.members| >= 1;
  var a :| a in voters * c.members;
  var m :| m in votes && m.Accepted? && b <= m.bal <= b && m.val == v && m.acc == a;
  assert VotedAt(votes, b, v);
  forall b' | b <= b' <= b ensures VotedAt(votes, b', v) {
    assert b' == b;
  }
}

// Everything the classic learner learns, the consecutive learner learns.
lemma ConsecutiveLearnsWhatClassicLearns(c: Constants, votes: set<Message>, v: Value)
  requires ValidConstants(c)
  requires LearnsClassic(c, votes, v)
  ensures LearnsConsecutive(c, votes, v)
{
  var b :| ChosenClassic(c, votes, b, v);
  ClassicIsConsecutiveOverOneBallot(c, votes, b, v);
}

// More votes never make a learner unlearn: a learner that saw only some of
// the votes learns at most what one that saw all of them learns.
lemma ConsecutiveMonotone(c: Constants, votes: set<Message>, more: set<Message>,
                          lo: Ballot, hi: Ballot, v: Value)
  requires votes <= more
  requires ChosenConsecutive(c, votes, lo, hi, v)
  ensures ChosenConsecutive(c, more, lo, hi, v)
{
  Phase2QuorumMonotone(c, VotersOver(votes, lo, hi, v), VotersOver(more, lo, hi, v));
  forall b: Ballot | lo <= b <= hi ensures VotedAt(more, b, v) {
    assert VotedAt(votes, b, v);
  }
}
