// Quorum systems, as src/core/quorum.h builds them: a finite set of members
// and two thresholds. A set of acceptors is a phase-1 (phase-2) quorum when
// at least q1 (q2) of its elements are members. Majorities of 2f+1 are the
// case q1 = q2 = f+1; the only property the proof uses is that every phase-1
// quorum meets every phase-2 quorum (Flexible Paxos), which q1 + q2 > n
// guarantees for every cluster size n.

type Acceptor(==)
type Value(==)

datatype Constants = Constants(members: set<Acceptor>, q1: nat, q2: nat)

// The checks QuorumSystem::flexible makes. q2 >= 1 keeps the empty set from
// being a phase-2 quorum (a value chosen with no vote at all).
predicate ValidConstants(c: Constants)
{
  c.q1 >= 1 && c.q2 >= 1 && c.q1 + c.q2 > |c.members|
}

// Non-members are never counted, like QuorumSystem::count.
predicate IsPhase1Quorum(c: Constants, s: set<Acceptor>)
{
  |s * c.members| >= c.q1
}

predicate IsPhase2Quorum(c: Constants, s: set<Acceptor>)
{
  |s * c.members| >= c.q2
}

lemma SubsetCardinality<T>(a: set<T>, b: set<T>)
  requires a <= b
  ensures |a| <= |b|
{
  assert b == a + (b - a);
}

lemma QuorumsIntersect(c: Constants, s1: set<Acceptor>, s2: set<Acceptor>) returns (a: Acceptor)
  requires ValidConstants(c)
  requires IsPhase1Quorum(c, s1)
  requires IsPhase2Quorum(c, s2)
  ensures a in s1 && a in s2 && a in c.members
{
  var m1 := s1 * c.members;
  var m2 := s2 * c.members;
  SubsetCardinality(m1 + m2, c.members);
  // |m1 + m2| + |m1 * m2| == |m1| + |m2| >= q1 + q2 > |members| >= |m1 + m2|
  assert |m1 + m2| + |m1 * m2| == |m1| + |m2|;
  assert |m1 * m2| > 0;
  a :| a in m1 * m2;
}

// Counting more acceptors never unmakes a quorum: learners are monotone.
lemma Phase2QuorumMonotone(c: Constants, s: set<Acceptor>, t: set<Acceptor>)
  requires s <= t
  requires IsPhase2Quorum(c, s)
  ensures IsPhase2Quorum(c, t)
{
  SubsetCardinality(s * c.members, t * c.members);
}
