// Slot agreement for Multi-Paxos: in every slot, no two learners, by either
// rule, at any step, ever learn different values. The argument of
// ../agreement.dfy with the slot held fixed beside the range.

include "invariant.dfy"

lemma ProposalInRangeCarriesValue(c: Constants, s: State, slot: Slot, lo: Ballot, hi: Ballot,
                                  v: Value, b: Ballot, u: Value)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, slot, lo, hi, v)
  requires Propose(b, slot, u) in s.msgs
  requires lo <= b <= hi
  ensures u == v
{
  reveal_Inv();
  assert VotedAt(s.msgs, slot, b, v);
  var m: Message :| m in s.msgs && m.Accepted? && m.slot == slot && m.bal == b && m.val == v;
  assert Propose(b, slot, v) in s.msgs;
}

// The phase-1 quorum of the leader of b > hi meets the range's voters; the
// shared acceptor's promise reports its vote in this slot, so the highest
// vote reported for the slot is at a ballot in [lo, b).
lemma HighestReportIsInOrAboveRange(c: Constants, s: State, slot: Slot, lo: Ballot, hi: Ballot,
                                    v: Value, b: Ballot, u: Value) returns (b': Ballot)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, slot, lo, hi, v)
  requires Propose(b, slot, u) in s.msgs
  requires b > hi
  ensures lo <= b' < b
  ensures Propose(b', slot, u) in s.msgs
{
  reveal_Inv();
  var ps :| ProposalJustified(c, s.msgs, b, slot, u, ps);
  var voters := VotersOver(s.msgs, slot, lo, hi, v);
  var a := QuorumsIntersect(c, PromisersOf(ps), voters);
  var promise: Message :| promise in ps && promise.Promise? && promise.acc == a;
  var vote: Message :| vote in s.msgs && vote.Accepted? && vote.slot == slot
                       && lo <= vote.bal <= hi && vote.val == v && vote.acc == a;
  assert slot in promise.votes && vote.bal <= promise.votes[slot].bal;
  assert !NoneReported(ps, slot);
  var top: Message :| top in ps && top.Promise? && slot in top.votes && top.votes[slot].val == u
             && (forall m': Message :: m' in ps && m'.Promise? && slot in m'.votes ==>
                   m'.votes[slot].bal <= top.votes[slot].bal);
  b' := top.votes[slot].bal;
  assert lo <= b';
  assert Accepted(b', slot, top.acc, u) in s.msgs;
}

lemma ProposalsFromLoCarryValue(c: Constants, s: State, slot: Slot, lo: Ballot, hi: Ballot,
                                v: Value, b: Ballot, u: Value)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, slot, lo, hi, v)
  requires Propose(b, slot, u) in s.msgs
  requires lo <= b
  ensures u == v
  decreases b
{
  if b <= hi {
    ProposalInRangeCarriesValue(c, s, slot, lo, hi, v, b, u);
  } else {
    var b' := HighestReportIsInOrAboveRange(c, s, slot, lo, hi, v, b, u);
    ProposalsFromLoCarryValue(c, s, slot, lo, hi, v, b', u);
  }
}

lemma ConsecutiveAgreementInState(c: Constants, s: State, slot: Slot,
                                  lo1: Ballot, hi1: Ballot, v1: Value,
                                  lo2: Ballot, hi2: Ballot, v2: Value)
  requires ValidConstants(c)
  requires Inv(c, s)
  requires ChosenConsecutive(c, s.msgs, slot, lo1, hi1, v1)
  requires ChosenConsecutive(c, s.msgs, slot, lo2, hi2, v2)
  ensures v1 == v2
{
  reveal_Inv();
  if lo1 <= lo2 {
    assert VotedAt(s.msgs, slot, lo2, v2);
    var m: Message :| m in s.msgs && m.Accepted? && m.slot == slot && m.bal == lo2 && m.val == v2;
    ProposalsFromLoCarryValue(c, s, slot, lo1, hi1, v1, lo2, v2);
  } else {
    assert VotedAt(s.msgs, slot, lo1, v1);
    var m: Message :| m in s.msgs && m.Accepted? && m.slot == slot && m.bal == lo1 && m.val == v1;
    ProposalsFromLoCarryValue(c, s, slot, lo2, hi2, v2, lo1, v1);
  }
}

lemma ClassicIsConsecutiveOverOneBallot(c: Constants, votes: set<Message>, slot: Slot, b: Ballot,
                                        v: Value)
  requires ValidConstants(c)
  requires ChosenClassic(c, votes, slot, b, v)
  ensures ChosenConsecutive(c, votes, slot, b, b, v)
{
  var voters := VotersOver(votes, slot, b, b, v);
  assert |voters * c.members| >= 1;
  var a :| a in voters * c.members;
  var m: Message :| m in votes && m.Accepted? && m.slot == slot && b <= m.bal <= b && m.val == v
                    && m.acc == a;
  assert VotedAt(votes, slot, b, v);
  forall b' | b <= b' <= b ensures VotedAt(votes, slot, b', v) {
    assert b' == b;
  }
}

lemma ConsecutiveMonotone(c: Constants, votes: set<Message>, more: set<Message>, slot: Slot,
                          lo: Ballot, hi: Ballot, v: Value)
  requires votes <= more
  requires ChosenConsecutive(c, votes, slot, lo, hi, v)
  ensures ChosenConsecutive(c, more, slot, lo, hi, v)
{
  Phase2QuorumMonotone(c, VotersOver(votes, slot, lo, hi, v), VotersOver(more, slot, lo, hi, v));
  forall b: Ballot | lo <= b <= hi ensures VotedAt(more, slot, b, v) {
    assert VotedAt(votes, slot, b, v);
  }
}

predicate Learns(c: Constants, votes: set<Message>, consecutive: bool, slot: Slot, v: Value)
{
  if consecutive then LearnsConsecutive(c, votes, slot, v) else LearnsClassic(c, votes, slot, v)
}

predicate IsBehavior(c: Constants, trace: seq<State>)
{
  && |trace| >= 1
  && Init(c, trace[0])
  && (forall i :: 0 <= i < |trace| - 1 ==> Next(c, trace[i], trace[i + 1]))
}

lemma InvAlongBehavior(c: Constants, trace: seq<State>)
  requires IsBehavior(c, trace)
  ensures forall i :: 0 <= i < |trace| ==> Inv(c, trace[i])
{
  if |trace| == 1 {
    InitImpliesInv(c, trace[0]);
  } else {
    var prefix := trace[..|trace| - 1];
    assert IsBehavior(c, prefix);
    InvAlongBehavior(c, prefix);
    NextPreservesInv(c, trace[|trace| - 2], trace[|trace| - 1]);
  }
}

lemma MessagesGrowAlongBehavior(c: Constants, trace: seq<State>, i: int, j: int)
  requires IsBehavior(c, trace)
  requires 0 <= i <= j < |trace|
  ensures trace[i].msgs <= trace[j].msgs
  decreases j - i
{
  if i < j {
    NextGrowsMessages(c, trace[i], trace[i + 1]);
    MessagesGrowAlongBehavior(c, trace, i + 1, j);
  }
}

// Theorem: slot agreement. Two learners, at steps i and j, each by either
// rule and from any subset of the messages sent so far, learn the same
// value for a slot. quorum's Multi-Paxos learns by the classic rule.
lemma SlotAgreement(c: Constants, trace: seq<State>, slot: Slot,
                    i: int, votes1: set<Message>, consecutive1: bool, v1: Value,
                    j: int, votes2: set<Message>, consecutive2: bool, v2: Value)
  requires ValidConstants(c)
  requires IsBehavior(c, trace)
  requires 0 <= i < |trace| && 0 <= j < |trace|
  requires votes1 <= trace[i].msgs && votes2 <= trace[j].msgs
  requires Learns(c, votes1, consecutive1, slot, v1)
  requires Learns(c, votes2, consecutive2, slot, v2)
  ensures v1 == v2
{
  var last := |trace| - 1;
  var s := trace[last];
  InvAlongBehavior(c, trace);
  MessagesGrowAlongBehavior(c, trace, i, last);
  MessagesGrowAlongBehavior(c, trace, j, last);
  if !consecutive1 {
    var b :| ChosenClassic(c, votes1, slot, b, v1);
    ClassicIsConsecutiveOverOneBallot(c, votes1, slot, b, v1);
  }
  if !consecutive2 {
    var b :| ChosenClassic(c, votes2, slot, b, v2);
    ClassicIsConsecutiveOverOneBallot(c, votes2, slot, b, v2);
  }
  var lo1, hi1 :| ChosenConsecutive(c, votes1, slot, lo1, hi1, v1);
  var lo2, hi2 :| ChosenConsecutive(c, votes2, slot, lo2, hi2, v2);
  ConsecutiveMonotone(c, votes1, s.msgs, slot, lo1, hi1, v1);
  ConsecutiveMonotone(c, votes2, s.msgs, slot, lo2, hi2, v2);
  ConsecutiveAgreementInState(c, s, slot, lo1, hi1, v1, lo2, hi2, v2);
}
