// The inductive invariant of the Multi-Paxos model: ../invariant.dfy with a
// vote per slot. What changes is that one promise covers every slot, and
// accepting in one slot raises the promise for all of them.

include "model.dfy"

predicate AcceptorsAreMembers(c: Constants, s: State)
{
  forall a :: a in s.acceptors <==> a in c.members
}

predicate AcceptedStateOk(s: State)
{
  forall a, slot :: a in s.acceptors && slot in s.acceptors[a].accepted ==>
    && s.acceptors[a].accepted[slot].bal <= s.acceptors[a].promised
    && Accepted(s.acceptors[a].accepted[slot].bal, slot, a, s.acceptors[a].accepted[slot].val)
         in s.msgs
}

predicate PromisesOk(s: State)
{
  forall m :: m in s.msgs && m.Promise? ==>
    && m.acc in s.acceptors
    && m.bal <= s.acceptors[m.acc].promised
    && (forall slot :: slot in m.votes ==>
          m.votes[slot].bal < m.bal
          && Accepted(m.votes[slot].bal, slot, m.acc, m.votes[slot].val) in s.msgs)
}

predicate VotesOk(s: State)
{
  forall m :: m in s.msgs && m.Accepted? ==>
    && m.acc in s.acceptors
    && m.slot in s.acceptors[m.acc].accepted
    && m.bal <= s.acceptors[m.acc].accepted[m.slot].bal
    && Propose(m.bal, m.slot, m.val) in s.msgs
}

// A promise for b reports, in every slot, a vote at least as high as each
// vote its acceptor cast there below b.
predicate PromisesReportEarlierVotes(s: State)
{
  forall p, v :: p in s.msgs && p.Promise? && v in s.msgs && v.Accepted?
                 && v.acc == p.acc && v.bal < p.bal ==>
    v.slot in p.votes && v.bal <= p.votes[v.slot].bal
}

predicate OneProposalPerBallotAndSlot(s: State)
{
  forall p, q :: p in s.msgs && p.Propose? && q in s.msgs && q.Propose?
                 && p.bal == q.bal && p.slot == q.slot ==>
    p.val == q.val
}

predicate ProposalsJustified(c: Constants, s: State)
{
  forall p :: p in s.msgs && p.Propose? ==>
    exists ps :: ProposalJustified(c, s.msgs, p.bal, p.slot, p.val, ps)
}

// Opaque: with its body in view, Z3 spends minutes on the behaviour lemma
// (agreement.dfy), which needs only that Inv is inductive. The lemmas that
// need the body reveal it.
predicate {:opaque} Inv(c: Constants, s: State)
{
  && AcceptorsAreMembers(c, s)
  && AcceptedStateOk(s)
  && PromisesOk(s)
  && VotesOk(s)
  && PromisesReportEarlierVotes(s)
  && OneProposalPerBallotAndSlot(s)
  && ProposalsJustified(c, s)
}

lemma InitImpliesInv(c: Constants, s: State)
  requires Init(c, s)
  ensures Inv(c, s)
{
  reveal_Inv();
}

lemma JustificationSurvives(c: Constants, s: State, s': State)
  requires ProposalsJustified(c, s)
  requires s.msgs <= s'.msgs
  ensures forall p :: p in s.msgs && p.Propose? ==>
    exists ps :: ProposalJustified(c, s'.msgs, p.bal, p.slot, p.val, ps)
{
  forall p | p in s.msgs && p.Propose?
    ensures exists ps :: ProposalJustified(c, s'.msgs, p.bal, p.slot, p.val, ps)
  {
    var ps :| ProposalJustified(c, s.msgs, p.bal, p.slot, p.val, ps);
    assert ProposalJustified(c, s'.msgs, p.bal, p.slot, p.val, ps);
  }
}

lemma Phase1aPreservesInv(c: Constants, s: State, s': State, b: Ballot)
  requires Inv(c, s)
  requires Phase1a(s, s', b)
  ensures Inv(c, s')
{
  reveal_Inv();
  JustificationSurvives(c, s, s');
}

lemma Phase1bPreservesInv(c: Constants, s: State, s': State, a: Acceptor, b: Ballot)
  requires Inv(c, s)
  requires Phase1b(s, s', a, b)
  ensures Inv(c, s')
{
  reveal_Inv();
  var sent := Promise(b, a, s.acceptors[a].accepted);
  assert s'.msgs == s.msgs + {sent};
  forall p, v | p in s'.msgs && p.Promise? && v in s'.msgs && v.Accepted?
                && v.acc == p.acc && v.bal < p.bal
    ensures v.slot in p.votes && v.bal <= p.votes[v.slot].bal
  {
    if p == sent {
      // VotesOk: a's current vote in v's slot is at least as high as v.
      assert v in s.msgs;
    }
  }
  JustificationSurvives(c, s, s');
}

lemma Phase2aPreservesInv(c: Constants, s: State, s': State, b: Ballot, slot: Slot, v: Value,
                          ps: set<Message>)
  requires Inv(c, s)
  requires Phase2a(c, s, s', b, slot, v, ps)
  ensures Inv(c, s')
{
  reveal_Inv();
  JustificationSurvives(c, s, s');
  assert ProposalJustified(c, s'.msgs, b, slot, v, ps);
}

lemma Phase2bPreservesInv(c: Constants, s: State, s': State, a: Acceptor, b: Ballot, slot: Slot,
                          v: Value)
  requires Inv(c, s)
  requires Phase2b(s, s', a, b, slot, v)
  ensures Inv(c, s')
{
  reveal_Inv();
  var sent := Accepted(b, slot, a, v);
  assert s'.msgs == s.msgs + {sent};
  forall p, w | p in s'.msgs && p.Promise? && w in s'.msgs && w.Accepted?
                && w.acc == p.acc && w.bal < p.bal
    ensures w.slot in p.votes && w.bal <= p.votes[w.slot].bal
  {
    // The new vote is at b >= a's promise >= every ballot a promised.
    assert w != sent;
  }
  forall a', slot' | a' in s'.acceptors && slot' in s'.acceptors[a'].accepted
    ensures s'.acceptors[a'].accepted[slot'].bal <= s'.acceptors[a'].promised
  {
    if a' == a && slot' != slot {
      // a's other votes were at most its old promise, which b is above.
      assert s'.acceptors[a].accepted[slot'] == s.acceptors[a].accepted[slot'];
    }
  }
  forall m | m in s'.msgs && m.Accepted?
    ensures m.acc in s'.acceptors && m.slot in s'.acceptors[m.acc].accepted
            && m.bal <= s'.acceptors[m.acc].accepted[m.slot].bal
  {
    if m != sent && m.acc == a && m.slot == slot {
      assert m.bal <= s.acceptors[a].accepted[slot].bal <= s.acceptors[a].promised;
    }
  }
  JustificationSurvives(c, s, s');
}

lemma NextPreservesInv(c: Constants, s: State, s': State)
  requires Inv(c, s)
  requires Next(c, s, s')
  ensures Inv(c, s')
{
  var step :| NextStep(c, s, s', step);
  match step
  case P1a(b) => Phase1aPreservesInv(c, s, s', b);
  case P1b(a, b) => Phase1bPreservesInv(c, s, s', a, b);
  case P2a(b, slot, v, ps) => Phase2aPreservesInv(c, s, s', b, slot, v, ps);
  case P2b(a, b, slot, v) => Phase2bPreservesInv(c, s, s', a, b, slot, v);
}

lemma NextGrowsMessages(c: Constants, s: State, s': State)
  requires Next(c, s, s')
  ensures s.msgs <= s'.msgs
{
}
