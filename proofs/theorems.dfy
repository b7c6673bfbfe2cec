// The theorems, stated over behaviours: sequences of states that start in
// Init and take Next steps. Learners may look at any time at any subset of
// the messages sent so far; no two learners ever learn different values.
// For every cluster size and quorum thresholds with q1 + q2 > n, and every
// ballot.

include "agreement.dfy"

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

// Two learners, at steps i and j, each by either rule.
lemma Agreement(c: Constants, trace: seq<State>,
                i: int, votes1: set<Message>, consecutive1: bool, v1: Value,
                j: int, votes2: set<Message>, consecutive2: bool, v2: Value)
  requires ValidConstants(c)
  requires IsBehavior(c, trace)
  requires 0 <= i < |trace| && 0 <= j < |trace|
  requires votes1 <= trace[i].msgs && votes2 <= trace[j].msgs
  requires if consecutive1 then LearnsConsecutive(c, votes1, v1) else LearnsClassic(c, votes1, v1)
  requires if consecutive2 then LearnsConsecutive(c, votes2, v2) else LearnsClassic(c, votes2, v2)
  ensures v1 == v2
{
  var last := |trace| - 1;
  InvAlongBehavior(c, trace);
  MessagesGrowAlongBehavior(c, trace, i, last);
  MessagesGrowAlongBehavior(c, trace, j, last);
  AgreementInState(c, trace[last], votes1, consecutive1, v1, votes2, consecutive2, v2);
}

// Theorem 1: Agreement under the classic learner.
lemma ClassicAgreement(c: Constants, trace: seq<State>,
                       i: int, votes1: set<Message>, v1: Value,
                       j: int, votes2: set<Message>, v2: Value)
  requires ValidConstants(c)
  requires IsBehavior(c, trace)
  requires 0 <= i < |trace| && 0 <= j < |trace|
  requires votes1 <= trace[i].msgs && votes2 <= trace[j].msgs
  requires LearnsClassic(c, votes1, v1) && LearnsClassic(c, votes2, v2)
  ensures v1 == v2
{
  Agreement(c, trace, i, votes1, false, v1, j, votes2, false, v2);
}

// Theorem 2: Agreement under the consecutive learner.
lemma ConsecutiveAgreement(c: Constants, trace: seq<State>,
                           i: int, votes1: set<Message>, v1: Value,
                           j: int, votes2: set<Message>, v2: Value)
  requires ValidConstants(c)
  requires IsBehavior(c, trace)
  requires 0 <= i < |trace| && 0 <= j < |trace|
  requires votes1 <= trace[i].msgs && votes2 <= trace[j].msgs
  requires LearnsConsecutive(c, votes1, v1) && LearnsConsecutive(c, votes2, v2)
  ensures v1 == v2
{
  Agreement(c, trace, i, votes1, true, v1, j, votes2, true, v2);
}

// Theorem 3: a classic learner and a consecutive learner never disagree.
lemma MixedAgreement(c: Constants, trace: seq<State>,
                     i: int, votes1: set<Message>, v1: Value,
                     j: int, votes2: set<Message>, v2: Value)
  requires ValidConstants(c)
  requires IsBehavior(c, trace)
  requires 0 <= i < |trace| && 0 <= j < |trace|
  requires votes1 <= trace[i].msgs && votes2 <= trace[j].msgs
  requires LearnsClassic(c, votes1, v1) && LearnsConsecutive(c, votes2, v2)
  ensures v1 == v2
{
  Agreement(c, trace, i, votes1, false, v1, j, votes2, true, v2);
}

// Theorem 4: everything the classic learner learns, the consecutive learner
// learns, from the same votes.
lemma ClassicLearnedIsConsecutiveLearned(c: Constants, votes: set<Message>, v: Value)
  requires ValidConstants(c)
  requires LearnsClassic(c, votes, v)
  ensures LearnsConsecutive(c, votes, v)
{
  ConsecutiveLearnsWhatClassicLearns(c, votes, v);
}
