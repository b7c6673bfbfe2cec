// The inductive invariant. It says nothing about learning: it records only
// what each message lets a later step rely on. Agreement then follows in
// agreement.dfy, in a single state, by induction on ballots. An invariant
// about "the chosen ballot", the classic way to state Paxos safety, does not
// carry over: a value chosen over a range of ballots has no such ballot.

include "paxos.dfy"

predicate AcceptorsAreMembers(c: Constants, s: State)
{
  forall a :: a in s.acceptors <==> a in c.members
}

// An acceptor's vote is at most its promise and was sent.
predicate AcceptedStateOk(s: State)
{
  forall a :: a in s.acceptors && s.acceptors[a].accepted.Some? ==>
    && s.acceptors[a].accepted.value.bal <= s.acceptors[a].promised
    && Accepted(s.acceptors[a].accepted.value.bal, a, s.acceptors[a].accepted.value.val) in s.msgs
}

// A promise was sent by an acceptor that still promises at least that much,
// and reports a vote that was cast below the promised ballot.
predicate PromisesOk(s: State)
{
  forall m :: m in s.msgs && m.Promise? ==>
    && m.acc in s.acceptors
    && m.bal <= s.acceptors[m.acc].promised
    && (m.last.Some? ==> m.last.value.bal < m.bal
                         && Accepted(m.last.value.bal, m.acc, m.last.value.val) in s.msgs)
}

// A vote was cast for a proposal, by an acceptor whose current vote is at
// least as high.
predicate VotesOk(s: State)
{
  forall m :: m in s.msgs && m.Accepted? ==>
    && m.acc in s.acceptors
    && s.acceptors[m.acc].accepted.Some?
    && m.bal <= s.acceptors[m.acc].accepted.value.bal
    && Propose(m.bal, m.val) in s.msgs
}

// The step every Paxos proof turns on: an acceptor that promised b reports a
// vote at least as high as every vote it cast below b, because after
// promising b it casts none below b.
predicate PromisesReportEarlierVotes(s: State)
{
  forall p, v :: p in s.msgs && p.Promise? && v in s.msgs && v.Accepted?
                 && v.acc == p.acc && v.bal < p.bal ==>
    p.last.Some? && v.bal <= p.last.value.bal
}

predicate OneProposalPerBallot(s: State)
{
  forall p, q :: p in s.msgs && p.Propose? && q in s.msgs && q.Propose? && p.bal == q.bal ==>
    p.val == q.val
}

predicate ProposalsJustified(c: Constants, s: State)
{
  forall p :: p in s.msgs && p.Propose? ==>
    exists ps :: ProposalJustified(c, s.msgs, p.bal, p.val, ps)
}

predicate Inv(c: Constants, s: State)
{
  && AcceptorsAreMembers(c, s)
  && AcceptedStateOk(s)
  && PromisesOk(s)
  && VotesOk(s)
  && PromisesReportEarlierVotes(s)
  && OneProposalPerBallot(s)
  && ProposalsJustified(c, s)
}

lemma InitImpliesInv(c: Constants, s: State)
  requires Init(c, s)
  ensures Inv(c, s)
{
}

lemma JustificationSurvives(c: Constants, s: State, s': State)
  requires ProposalsJustified(c, s)
  requires s.msgs <= s'.msgs
  ensures forall p :: p in s.msgs && p.Propose? ==>
    exists ps :: ProposalJustified(c, s'.msgs, p.bal, p.val, ps)
{
  forall p | p in s.msgs && p.Propose?
    ensures exists ps :: ProposalJustified(c, s'.msgs, p.bal, p.val, ps)
  {
    var ps :| ProposalJustified(c, s.msgs, p.bal, p.val, ps);
    assert ProposalJustified(c, s'.msgs, p.bal, p.val, ps);
  }
}

lemma Phase1aPreservesInv(c: Constants, s: State, s': State, b: Ballot)
  requires Inv(c, s)
  requires Phase1a(s, s', b)
  ensures Inv(c, s')
{
  JustificationSurvives(c, s, s');
}

lemma Phase1bPreservesInv(c: Constants, s: State, s': State, a: Acceptor, b: Ballot)
  requires Inv(c, s)
  requires Phase1b(s, s', a, b)
  ensures Inv(c, s')
{
  var sent := Promise(b, a, s.acceptors[a].accepted);
  assert s'.msgs == s.msgs + {sent};
  forall p, v | p in s'.msgs && p.Promise? && v in s'.msgs && v.Accepted?
                && v.acc == p.acc && v.bal < p.bal
    ensures p.last.Some? && v.bal <= p.last.value.bal
  {
    if p == sent {
      // VotesOk: a's current vote is at least as high as v.
      assert v in s.msgs;
    }
  }
  JustificationSurvives(c, s, s');
}

lemma Phase2aPreservesInv(c: Constants, s: State, s': State, b: Ballot, v: Value, ps: set<Message>)
  requires Inv(c, s)
  requires Phase2a(c, s, s', b, v, ps)
  ensures Inv(c, s')
{
  JustificationSurvives(c, s, s');
  assert ProposalJustified(c, s'.msgs, b, v, ps);
}

lemma Phase2bPreservesInv(c: Constants, s: State, s': State, a: Acceptor, b: Ballot, v: Value)
  requires Inv(c, s)
  requires Phase2b(s, s', a, b, v)
  ensures Inv(c, s')
{
  var sent := Accepted(b, a, v);
  assert s'.msgs == s.msgs + {sent};
  forall p, w | p in s'.msgs && p.Promise? && w in s'.msgs && w.Accepted?
                && w.acc == p.acc && w.bal < p.bal
    ensures p.last.Some? && w.bal <= p.last.value.bal
  {
    // The new vote is at b >= a's promise >= every ballot a promised, so it
    // is never below a promise of a.
    assert w != sent;
  }
  forall m | m in s'.msgs && m.Accepted?
    ensures m.acc in s'.acceptors && s'.acceptors[m.acc].accepted.Some?
            && m.bal <= s'.acceptors[m.acc].accepted.value.bal
  {
    if m != sent && m.acc == a {
      assert m.bal <= s.acceptors[a].accepted.value.bal <= s.acceptors[a].promised;
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
  case P2a(b, v, ps) => Phase2aPreservesInv(c, s, s', b, v, ps);
  case P2b(a, b, v) => Phase2bPreservesInv(c, s, s', a, b, v);
}

// Messages are never lost from the set.
lemma NextGrowsMessages(c: Constants, s: State, s': State)
  requires Next(c, s, s')
  ensures s.msgs <= s'.msgs
{
}
