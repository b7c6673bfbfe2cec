// Agreement for both learners, and for any mix of them.
//
// The argument is the one in docs/consecutive-ballots.md: once v is chosen
// over [lo, hi], every proposal at a ballot >= lo carries v. It is proved in
// a single state satisfying Inv, by induction on the proposal's ballot, with
// the range held fixed; nothing needs a "chosen ballot".

include "invariant.dfy"
include "learners.dfy"

// A proposal inside the range carries v: some acceptor voted v there, and a
// ballot has one proposal.
lemma ProposalInRangeCarriesValue(c: Constants, s: State, lo: Ballot, hi: Ballot, v: Value,
                                  b: Ballot, u: Value)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, lo, hi, v)
  requires Propose(b, u) in s.msgs
  requires lo <= b <= hi
  ensures u == v
{
  assert VotedAt(s.msgs, b, v);
  var m: Message :| m in s.msgs && m.Accepted? && m.bal == b && m.val == v;
  assert Propose(b, v) in s.msgs;
}

// The leader of b > hi heard from a phase-1 quorum, which shares an acceptor
// with the range's phase-2 quorum of voters. That acceptor voted v in the
// range before promising b, so the highest vote reported to the leader is
// at a ballot in [lo, b). Returns that vote's ballot; the proposal there
// carries the same value as the one at b.
lemma HighestReportIsInOrAboveRange(c: Constants, s: State, lo: Ballot, hi: Ballot, v: Value,
                                    b: Ballot, u: Value) returns (b': Ballot)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, lo, hi, v)
  requires Propose(b, u) in s.msgs
  requires b > hi
  ensures lo <= b' < b
  ensures Propose(b', u) in s.msgs
{
  var ps :| ProposalJustified(c, s.msgs, b, u, ps);
  var voters := VotersOver(s.msgs, lo, hi, v);
  var a := QuorumsIntersect(c, PromisersOf(ps), voters);
  var promise: Message :| promise in ps && promise.Promise? && promise.acc == a;
  var vote: Message :| vote in s.msgs && vote.Accepted? && lo <= vote.bal <= hi && vote.val == v
              && vote.acc == a;
  // PromisesReportEarlierVotes: the promise reports a vote >= vote.bal >= lo.
  assert promise.last.Some? && vote.bal <= promise.last.value.bal;
  assert !NoneReported(ps);
  var top: Message :| top in ps && top.Promise? && top.last.Some? && top.last.value.val == u
             && (forall m': Message :: m' in ps && m'.Promise? && m'.last.Some? ==>
                   m'.last.value.bal <= top.last.value.bal);
  b' := top.last.value.bal;
  assert lo <= b';
  // PromisesOk and VotesOk: the reported vote was cast, for a proposal.
  assert Accepted(b', top.acc, u) in s.msgs;
}

// The claim of docs/consecutive-ballots.md, by induction on b.
lemma ProposalsFromLoCarryValue(c: Constants, s: State, lo: Ballot, hi: Ballot, v: Value,
                                b: Ballot, u: Value)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, lo, hi, v)
  requires Propose(b, u) in s.msgs
  requires lo <= b
  ensures u == v
  decreases b
{
  if b <= hi {
    ProposalInRangeCarriesValue(c, s, lo, hi, v, b, u);
  } else {
    var b' := HighestReportIsInOrAboveRange(c, s, lo, hi, v, b, u);
    ProposalsFromLoCarryValue(c, s, lo, hi, v, b', u);
  }
}

// Agreement for the consecutive learner, in one state: two ranges chosen
// from the votes sent so far choose one value. The range starting later
// begins with a vote, hence a proposal, at or above the other's start.
lemma ConsecutiveAgreementInState(c: Constants, s: State,
                                  lo1: Ballot, hi1: Ballot, v1: Value,
                                  lo2: Ballot, hi2: Ballot, v2: Value)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, lo1, hi1, v1)
  requires ChosenConsecutive(c, s.msgs, lo2, hi2, v2)
  ensures v1 == v2
{
  if lo1 <= lo2 {
    assert VotedAt(s.msgs, lo2, v2);
    var m: Message :| m in s.msgs && m.Accepted? && m.bal == lo2 && m.val == v2;
    ProposalsFromLoCarryValue(c, s, lo1, hi1, v1, lo2, v2);
  } else {
    assert VotedAt(s.msgs, lo1, v1);
    var m: Message :| m in s.msgs && m.Accepted? && m.bal == lo1 && m.val == v1;
    ProposalsFromLoCarryValue(c, s, lo2, hi2, v2, lo1, v1);
  }
}

// Learners see some of the votes sent. Whatever two of them learn, each by
// either rule, from any subsets of the messages, is the same value.
lemma AgreementInState(c: Constants, s: State,
                       votes1: set<Message>, consecutive1: bool, v1: Value,
                       votes2: set<Message>, consecutive2: bool, v2: Value)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires votes1 <= s.msgs && votes2 <= s.msgs
  requires if consecutive1 then LearnsConsecutive(c, votes1, v1) else LearnsClassic(c, votes1, v1)
  requires if consecutive2 then LearnsConsecutive(c, votes2, v2) else LearnsClassic(c, votes2, v2)
  ensures v1 == v2
{
  if !consecutive1 { ConsecutiveLearnsWhatClassicLearns(c, votes1, v1); }
  if !consecutive2 { ConsecutiveLearnsWhatClassicLearns(c, votes2, v2); }
  var lo1, hi1 :| ChosenConsecutive(c, votes1, lo1, hi1, v1);
  var lo2, hi2 :| ChosenConsecutive(c, votes2, lo2, hi2, v2);
  ConsecutiveMonotone(c, votes1, s.msgs, lo1, hi1, v1);
  ConsecutiveMonotone(c, votes2, s.msgs, lo2, hi2, v2);
  ConsecutiveAgreementInState(c, s, lo1, hi1, v1, lo2, hi2, v2);
}
