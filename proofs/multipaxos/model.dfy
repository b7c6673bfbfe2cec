// Multi-Paxos slot agreement: the single-decree model (../paxos.dfy) over a
// log of slots, as src/multipaxos runs it. A leader runs phase 1 once for
// every slot: each promise reports the acceptor's highest vote in every
// slot, and with promises from a phase-1 quorum the leader of a ballot may
// propose in any slot, once per slot, carrying forward the value of the
// highest vote reported for that slot (any value, e.g. a no-op, when none
// is). An acceptor has one promise for all slots and one vote per slot.
//
// These files do not include the single-decree ones: the two models use
// the same names for their own states and messages.

include "../quorums.dfy"

type Ballot = nat
type Slot = nat

datatype Vote = Vote(bal: Ballot, val: Value)

datatype Message =
  | Prepare(bal: Ballot)
  | Promise(bal: Ballot, acc: Acceptor, votes: map<Slot, Vote>)  // highest vote per slot
  | Propose(bal: Ballot, slot: Slot, val: Value)
  | Accepted(bal: Ballot, slot: Slot, acc: Acceptor, val: Value)

datatype AcceptorState = AcceptorState(promised: int, accepted: map<Slot, Vote>)

datatype State = State(acceptors: map<Acceptor, AcceptorState>, msgs: set<Message>)

predicate Init(c: Constants, s: State)
{
  && (forall a :: a in s.acceptors <==> a in c.members)
  && (forall a :: a in s.acceptors ==> s.acceptors[a] == AcceptorState(-1, map[]))
  && s.msgs == {}
}

predicate Phase1a(s: State, s': State, b: Ballot)
{
  s' == s.(msgs := s.msgs + {Prepare(b)})
}

predicate Phase1b(s: State, s': State, a: Acceptor, b: Ballot)
{
  && a in s.acceptors
  && Prepare(b) in s.msgs
  && b > s.acceptors[a].promised
  && s' == State(s.acceptors[a := s.acceptors[a].(promised := b)],
                 s.msgs + {Promise(b, a, s.acceptors[a].accepted)})
}

function PromisersOf(ps: set<Message>): set<Acceptor>
{
  set m | m in ps && m.Promise? :: m.acc
}

predicate NoneReported(ps: set<Message>, slot: Slot)
{
  forall m :: m in ps && m.Promise? ==> slot !in m.votes
}

// v is the value of a vote for `slot` with the highest ballot among the
// votes for `slot` that ps report.
predicate HighestReported(ps: set<Message>, slot: Slot, v: Value)
{
  exists m :: m in ps && m.Promise? && slot in m.votes && m.votes[slot].val == v
    && (forall m' :: m' in ps && m'.Promise? && slot in m'.votes ==>
          m'.votes[slot].bal <= m.votes[slot].bal)
}

predicate ProposalJustified(c: Constants, msgs: set<Message>, b: Ballot, slot: Slot, v: Value,
                            ps: set<Message>)
{
  && ps <= msgs
  && (forall m :: m in ps ==> m.Promise? && m.bal == b)
  && IsPhase1Quorum(c, PromisersOf(ps))
  && (NoneReported(ps, slot) || HighestReported(ps, slot, v))
}

predicate Phase2a(c: Constants, s: State, s': State, b: Ballot, slot: Slot, v: Value,
                  ps: set<Message>)
{
  && ProposalJustified(c, s.msgs, b, slot, v, ps)
  && (forall u :: Propose(b, slot, u) !in s.msgs)
  && s' == s.(msgs := s.msgs + {Propose(b, slot, v)})
}

predicate Phase2b(s: State, s': State, a: Acceptor, b: Ballot, slot: Slot, v: Value)
{
  && a in s.acceptors
  && Propose(b, slot, v) in s.msgs
  && b >= s.acceptors[a].promised
  && s' == State(s.acceptors[a := AcceptorState(b, s.acceptors[a].accepted[slot := Vote(b, v)])],
                 s.msgs + {Accepted(b, slot, a, v)})
}

datatype Step =
  | P1a(b: Ballot)
  | P1b(a: Acceptor, b: Ballot)
  | P2a(b: Ballot, slot: Slot, v: Value, ps: set<Message>)
  | P2b(a: Acceptor, b: Ballot, slot: Slot, v: Value)

predicate NextStep(c: Constants, s: State, s': State, step: Step)
{
  match step
  case P1a(b) => Phase1a(s, s', b)
  case P1b(a, b) => Phase1b(s, s', a, b)
  case P2a(b, slot, v, ps) => Phase2a(c, s, s', b, slot, v, ps)
  case P2b(a, b, slot, v) => Phase2b(s, s', a, b, slot, v)
}

predicate Next(c: Constants, s: State, s': State)
{
  exists step :: NextStep(c, s, s', step)
}

// Learning, per slot, by either rule (../learners.dfy has the reasons).
predicate VotedAt(votes: set<Message>, slot: Slot, b: Ballot, v: Value)
{
  exists m :: m in votes && m.Accepted? && m.slot == slot && m.bal == b && m.val == v
}

function VotersOver(votes: set<Message>, slot: Slot, lo: Ballot, hi: Ballot, v: Value): set<Acceptor>
{
  set m | m in votes && m.Accepted? && m.slot == slot && lo <= m.bal <= hi && m.val == v :: m.acc
}

predicate ChosenClassic(c: Constants, votes: set<Message>, slot: Slot, b: Ballot, v: Value)
{
  IsPhase2Quorum(c, VotersOver(votes, slot, b, b, v))
}

predicate ChosenConsecutive(c: Constants, votes: set<Message>, slot: Slot, lo: Ballot, hi: Ballot,
                            v: Value)
{
  && lo <= hi
  && (forall b: Ballot :: lo <= b <= hi ==> VotedAt(votes, slot, b, v))
  && IsPhase2Quorum(c, VotersOver(votes, slot, lo, hi, v))
}

predicate LearnsClassic(c: Constants, votes: set<Message>, slot: Slot, v: Value)
{
  exists b: Ballot :: ChosenClassic(c, votes, slot, b, v)
}

predicate LearnsConsecutive(c: Constants, votes: set<Message>, slot: Slot, v: Value)
{
  exists lo: Ballot, hi: Ballot :: ChosenConsecutive(c, votes, slot, lo, hi, v)
}
