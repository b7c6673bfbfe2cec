// Single-decree Paxos as a state machine over a growing set of messages.
// Ballots are integers and each ballot has one leader, which proposes at
// most once: Phase2a is enabled only while no proposal for that ballot
// exists. The network never forgets a message and may deliver any of them
// any number of times, so loss, duplication and reordering are all covered
// by an action simply not (or repeatedly) reading a message.

include "quorums.dfy"

type Ballot = nat

datatype Option<T> = None | Some(value: T)

datatype Vote = Vote(bal: Ballot, val: Value)

datatype Message =
  | Prepare(bal: Ballot)                                     // 1a
  | Promise(bal: Ballot, acc: Acceptor, last: Option<Vote>)  // 1b, with the acceptor's highest vote
  | Propose(bal: Ballot, val: Value)                         // 2a
  | Accepted(bal: Ballot, acc: Acceptor, val: Value)         // 2b: a vote

// promised is -1 before the first promise, so that ballot 0 can be promised.
datatype AcceptorState = AcceptorState(promised: int, accepted: Option<Vote>)

datatype State = State(acceptors: map<Acceptor, AcceptorState>, msgs: set<Message>)

predicate Init(c: Constants, s: State)
{
  && (forall a :: a in s.acceptors <==> a in c.members)
  && (forall a :: a in s.acceptors ==> s.acceptors[a] == AcceptorState(-1, None))
  && s.msgs == {}
}

predicate Phase1a(s: State, s': State, b: Ballot)
{
  s' == s.(msgs := s.msgs + {Prepare(b)})
}

// Strictly above the current promise, so an acceptor promises a ballot once.
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

predicate NoneReported(ps: set<Message>)
{
  forall m :: m in ps && m.Promise? ==> m.last.None?
}

// v is the value of a reported vote with the highest ballot among the reports.
predicate HighestReported(ps: set<Message>, v: Value)
{
  exists m :: m in ps && m.Promise? && m.last.Some? && m.last.value.val == v
    && (forall m' :: m' in ps && m'.Promise? && m'.last.Some? ==> m'.last.value.bal <= m.last.value.bal)
}

// The leader of b may propose v after it received the promises ps for b from
// a phase-1 quorum: the value of the highest vote they report, or any value
// when they report none.
predicate ProposalJustified(c: Constants, msgs: set<Message>, b: Ballot, v: Value, ps: set<Message>)
{
  && ps <= msgs
  && (forall m :: m in ps ==> m.Promise? && m.bal == b)
  && IsPhase1Quorum(c, PromisersOf(ps))
  && (NoneReported(ps) || HighestReported(ps, v))
}

predicate Phase2a(c: Constants, s: State, s': State, b: Ballot, v: Value, ps: set<Message>)
{
  && ProposalJustified(c, s.msgs, b, v, ps)
  && (forall u :: Propose(b, u) !in s.msgs)
  && s' == s.(msgs := s.msgs + {Propose(b, v)})
}

// Accepting b also promises b (the acceptor will not vote below it again).
predicate Phase2b(s: State, s': State, a: Acceptor, b: Ballot, v: Value)
{
  && a in s.acceptors
  && Propose(b, v) in s.msgs
  && b >= s.acceptors[a].promised
  && s' == State(s.acceptors[a := AcceptorState(b, Some(Vote(b, v)))],
                 s.msgs + {Accepted(b, a, v)})
}

datatype Step =
  | P1a(b: Ballot)
  | P1b(a: Acceptor, b: Ballot)
  | P2a(b: Ballot, v: Value, ps: set<Message>)
  | P2b(a: Acceptor, b: Ballot, v: Value)

predicate NextStep(c: Constants, s: State, s': State, step: Step)
{
  match step
  case P1a(b) => Phase1a(s, s', b)
  case P1b(a, b) => Phase1b(s, s', a, b)
  case P2a(b, v, ps) => Phase2a(c, s, s', b, v, ps)
  case P2b(a, b, v) => Phase2b(s, s', a, b, v)
}

predicate Next(c: Constants, s: State, s': State)
{
  exists step :: NextStep(c, s, s', step)
}
