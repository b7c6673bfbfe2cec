// The theorems would hold vacuously if the model could never choose a value.
// This file shows it can, and in the case the consecutive rule exists for:
// a behaviour of three acceptors in which the leader of ballot 0 gets its
// value accepted by one acceptor, the leader of ballot 1 adopts that value
// in phase 1 and gets it accepted by another, and then the consecutive
// learner learns it over [0, 1] while the classic learner learns nothing.

include "theorems.dfy"

function Majority3(a1: Acceptor, a2: Acceptor, a3: Acceptor): Constants
{
  Constants({a1, a2, a3}, 2, 2)
}

// The successor state of each action, for building the behaviour.
function DoPrepare(s: State, b: Ballot): State
{
  s.(msgs := s.msgs + {Prepare(b)})
}

function DoPromise(s: State, a: Acceptor, b: Ballot): State
  requires a in s.acceptors
{
  State(s.acceptors[a := s.acceptors[a].(promised := b)],
        s.msgs + {Promise(b, a, s.acceptors[a].accepted)})
}

function DoPropose(s: State, b: Ballot, v: Value): State
{
  s.(msgs := s.msgs + {Propose(b, v)})
}

function DoAccept(s: State, a: Acceptor, b: Ballot, v: Value): State
{
  State(s.acceptors[a := AcceptorState(b, Some(Vote(b, v)))], s.msgs + {Accepted(b, a, v)})
}

lemma CardinalityOfTwo<T>(x: T, y: T)
  requires x != y
  ensures |{x, y}| == 2
{
}

lemma CardinalityAtMostOne<T>(s: set<T>, x: T)
  requires s <= {x}
  ensures |s| <= 1
{
  SubsetCardinality(s, {x});
}

// What the behaviour below ends with: every message it sent.
function Sent(a1: Acceptor, a2: Acceptor, a3: Acceptor, v: Value): set<Message>
{
  {Prepare(0), Promise(0, a1, None), Promise(0, a2, None), Propose(0, v), Accepted(0, a1, v),
   Prepare(1), Promise(1, a1, Some(Vote(0, v))), Promise(1, a3, None), Propose(1, v),
   Accepted(1, a2, v)}
}

lemma LeaderChangeBehavior(a1: Acceptor, a2: Acceptor, a3: Acceptor, v: Value)
  returns (trace: seq<State>)
  requires a1 != a2 && a2 != a3 && a1 != a3
  ensures IsBehavior(Majority3(a1, a2, a3), trace)
  ensures trace[|trace| - 1].msgs == Sent(a1, a2, a3, v)
{
  var c := Majority3(a1, a2, a3);
  var s0 := State(map a | a in c.members :: AcceptorState(-1, None), {});
  // Ballot 0: promises from a1 and a2 (nothing to report), proposal v,
  // accepted by a1 only.
  var s1 := DoPrepare(s0, 0);
  var s2 := DoPromise(s1, a1, 0);
  var s3 := DoPromise(s2, a2, 0);
  var ps0 := {Promise(0, a1, None), Promise(0, a2, None)};
  var s4 := DoPropose(s3, 0, v);
  var s5 := DoAccept(s4, a1, 0, v);
  // Ballot 1: a1 reports its vote for v at 0, so the leader of 1 must adopt
  // v; a2 accepts it.
  var s6 := DoPrepare(s5, 1);
  var s7 := DoPromise(s6, a1, 1);
  var s8 := DoPromise(s7, a3, 1);
  var ps1 := {Promise(1, a1, Some(Vote(0, v))), Promise(1, a3, None)};
  var s9 := DoPropose(s8, 1, v);
  var s10 := DoAccept(s9, a2, 1, v);
  trace := [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10];

  assert Init(c, s0);
  forall i | 0 <= i < |trace| - 1 ensures Next(c, trace[i], trace[i + 1]) {
    if i == 0 { assert NextStep(c, s0, s1, P1a(0)); }
    else if i == 1 { assert NextStep(c, s1, s2, P1b(a1, 0)); }
    else if i == 2 { assert NextStep(c, s2, s3, P1b(a2, 0)); }
    else if i == 3 {
      assert PromisersOf(ps0) == {a1, a2};
      CardinalityOfTwo(a1, a2);
      assert {a1, a2} * c.members == {a1, a2};
      assert NextStep(c, s3, s4, P2a(0, v, ps0));
    }
    else if i == 4 { assert NextStep(c, s4, s5, P2b(a1, 0, v)); }
    else if i == 5 { assert NextStep(c, s5, s6, P1a(1)); }
    else if i == 6 { assert NextStep(c, s6, s7, P1b(a1, 1)); }
    else if i == 7 { assert NextStep(c, s7, s8, P1b(a3, 1)); }
    else if i == 8 {
      assert PromisersOf(ps1) == {a1, a3};
      CardinalityOfTwo(a1, a3);
      assert {a1, a3} * c.members == {a1, a3};
      assert HighestReported(ps1, v) by {
        assert Promise(1, a1, Some(Vote(0, v))) in ps1;
      }
      assert NextStep(c, s8, s9, P2a(1, v, ps1));
    }
    else { assert NextStep(c, s9, s10, P2b(a2, 1, v)); }
  }
}

// From the votes of that behaviour, a1 at 0 and a2 at 1, both for v, the
// consecutive learner learns v over [0, 1], and no ballot has a quorum.
lemma ConsecutiveButNotClassic(a1: Acceptor, a2: Acceptor, a3: Acceptor, v: Value, w: Value)
  requires a1 != a2 && a2 != a3 && a1 != a3
  ensures ChosenConsecutive(Majority3(a1, a2, a3), Sent(a1, a2, a3, v), 0, 1, v)
  ensures !LearnsClassic(Majority3(a1, a2, a3), Sent(a1, a2, a3, v), w)
{
  var c := Majority3(a1, a2, a3);
  var votes := Sent(a1, a2, a3, v);
  forall m | m in votes && m.Accepted? ensures m == Accepted(0, a1, v) || m == Accepted(1, a2, v) {
  }
  assert VotersOver(votes, 0, 1, v) == {a1, a2};
  CardinalityOfTwo(a1, a2);
  assert {a1, a2} * c.members == {a1, a2};
  forall b: Ballot | 0 <= b <= 1 ensures VotedAt(votes, b, v) {
    if b == 0 { assert Accepted(0, a1, v) in votes; } else { assert Accepted(1, a2, v) in votes; }
  }
  forall b: Ballot ensures !ChosenClassic(c, votes, b, w) {
    var voters := VotersOver(votes, b, b, w);
    if b == 0 {
      CardinalityAtMostOne(voters * c.members, a1);
    } else if b == 1 {
      CardinalityAtMostOne(voters * c.members, a2);
    } else {
      assert voters * c.members == {};
    }
  }
}

// The consecutive rule is strictly stronger than the classic one, and the
// model reaches the case where it is: the theorems are not vacuous.
lemma ConsecutiveLearnsWhereClassicCannot(a1: Acceptor, a2: Acceptor, a3: Acceptor, v: Value, w: Value)
  returns (trace: seq<State>)
  requires a1 != a2 && a2 != a3 && a1 != a3
  ensures ValidConstants(Majority3(a1, a2, a3))
  ensures IsBehavior(Majority3(a1, a2, a3), trace)
  ensures LearnsConsecutive(Majority3(a1, a2, a3), trace[|trace| - 1].msgs, v)
  ensures !LearnsClassic(Majority3(a1, a2, a3), trace[|trace| - 1].msgs, w)
{
  var c := Majority3(a1, a2, a3);
  assert |c.members| == 3 by {
    CardinalityOfTwo(a1, a2);
    assert c.members == {a1, a2} + {a3};
  }
  trace := LeaderChangeBehavior(a1, a2, a3, v);
  ConsecutiveButNotClassic(a1, a2, a3, v, w);
}
