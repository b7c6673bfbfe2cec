// Non-vacuity for the Multi-Paxos model: one phase 1, then two slots chosen
// with different values. The behaviour is the stable-leader case the model
// exists for: the leader of ballot 0 collects promises once and proposes in
// slots 0 and 1 on their strength; a1 and a2 accept both.

include "agreement.dfy"

function Majority3(a1: Acceptor, a2: Acceptor, a3: Acceptor): Constants
{
  Constants({a1, a2, a3}, 2, 2)
}

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

function DoPropose(s: State, b: Ballot, slot: Slot, v: Value): State
{
  s.(msgs := s.msgs + {Propose(b, slot, v)})
}

function DoAccept(s: State, a: Acceptor, b: Ballot, slot: Slot, v: Value): State
  requires a in s.acceptors
{
  State(s.acceptors[a := AcceptorState(b, s.acceptors[a].accepted[slot := Vote(b, v)])],
        s.msgs + {Accepted(b, slot, a, v)})
}

lemma CardinalityOfTwo<T>(x: T, y: T)
  requires x != y
  ensures |{x, y}| == 2
{
}

lemma OnePhase1TwoSlots(a1: Acceptor, a2: Acceptor, a3: Acceptor, x: Value, y: Value)
  returns (trace: seq<State>)
  requires a1 != a2 && a2 != a3 && a1 != a3
  ensures IsBehavior(Majority3(a1, a2, a3), trace)
  ensures Accepted(0, 0, a1, x) in trace[|trace| - 1].msgs
  ensures Accepted(0, 0, a2, x) in trace[|trace| - 1].msgs
  ensures Accepted(0, 1, a1, y) in trace[|trace| - 1].msgs
  ensures Accepted(0, 1, a2, y) in trace[|trace| - 1].msgs
{
  var c := Majority3(a1, a2, a3);
  var s0 := State(map a | a in c.members :: AcceptorState(-1, map[]), {});
  var s1 := DoPrepare(s0, 0);
  var s2 := DoPromise(s1, a1, 0);
  var s3 := DoPromise(s2, a2, 0);
  var ps := {Promise(0, a1, map[]), Promise(0, a2, map[])};
  var s4 := DoPropose(s3, 0, 0, x);
  var s5 := DoPropose(s4, 0, 1, y);
  var s6 := DoAccept(s5, a1, 0, 0, x);
  var s7 := DoAccept(s6, a2, 0, 0, x);
  var s8 := DoAccept(s7, a1, 0, 1, y);
  var s9 := DoAccept(s8, a2, 0, 1, y);
  trace := [s0, s1, s2, s3, s4, s5, s6, s7, s8, s9];

  assert Init(c, s0);
  forall i | 0 <= i < |trace| - 1 ensures Next(c, trace[i], trace[i + 1]) {
    if i == 0 { assert NextStep(c, s0, s1, P1a(0)); }
    else if i == 1 { assert NextStep(c, s1, s2, P1b(a1, 0)); }
    else if i == 2 { assert NextStep(c, s2, s3, P1b(a2, 0)); }
    else if i == 3 || i == 4 {
      assert PromisersOf(ps) == {a1, a2};
      CardinalityOfTwo(a1, a2);
      assert {a1, a2} * c.members == {a1, a2};
      assert NoneReported(ps, 0) && NoneReported(ps, 1);
      if i == 3 {
        assert NextStep(c, s3, s4, P2a(0, 0, x, ps));
      } else {
        assert NextStep(c, s4, s5, P2a(0, 1, y, ps));
      }
    }
    else if i == 5 { assert NextStep(c, s5, s6, P2b(a1, 0, 0, x)); }
    else if i == 6 { assert NextStep(c, s6, s7, P2b(a2, 0, 0, x)); }
    else if i == 7 { assert NextStep(c, s7, s8, P2b(a1, 0, 1, y)); }
    else { assert NextStep(c, s8, s9, P2b(a2, 0, 1, y)); }
  }
}

// Slots are independent: two slots may choose different values, each by
// the classic rule, after a single phase 1.
lemma SlotsChooseIndependently(a1: Acceptor, a2: Acceptor, a3: Acceptor, x: Value, y: Value)
  returns (trace: seq<State>)
  requires a1 != a2 && a2 != a3 && a1 != a3
  ensures ValidConstants(Majority3(a1, a2, a3))
  ensures IsBehavior(Majority3(a1, a2, a3), trace)
  ensures LearnsClassic(Majority3(a1, a2, a3), trace[|trace| - 1].msgs, 0, x)
  ensures LearnsClassic(Majority3(a1, a2, a3), trace[|trace| - 1].msgs, 1, y)
{
  var c := Majority3(a1, a2, a3);
  CardinalityOfTwo(a1, a2);
  assert |c.members| == 3 by {
    assert c.members == {a1, a2} + {a3};
  }
  trace := OnePhase1TwoSlots(a1, a2, a3, x, y);
  var votes := trace[|trace| - 1].msgs;
  assert {a1, a2} <= VotersOver(votes, 0, 0, 0, x);
  assert {a1, a2} <= VotersOver(votes, 1, 0, 0, y);
  assert {a1, a2} * c.members == {a1, a2};
  Phase2QuorumMonotone(c, {a1, a2}, VotersOver(votes, 0, 0, 0, x));
  Phase2QuorumMonotone(c, {a1, a2}, VotersOver(votes, 1, 0, 0, y));
  assert ChosenClassic(c, votes, 0, 0, x);
  assert ChosenClassic(c, votes, 1, 0, y);
}
