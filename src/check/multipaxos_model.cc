#include "check/multipaxos_model.h"

#include <algorithm>

namespace quorum::check {

MultiPaxosModel::MultiPaxosModel(MultiPaxosModelOptions options) : options_(options) {
  QUORUM_ASSERT(options_.replicas >= 1 && options_.replicas <= 7, "1 to 7 replicas");
  QUORUM_ASSERT(options_.commands >= 1 && options_.commands <= 8, "1 to 8 commands");
  QUORUM_ASSERT(options_.rounds >= 1, "at least one round of elections");
}

host::HostConfig<multipaxos::Protocol> MultiPaxosModel::config_for(std::uint32_t id) const {
  log::Limits limits;
  limits.window_slots = 4;
  limits.max_batch_commands = 1;  // one command per slot: more slots, the interesting part
  return {NodeId{id}, QuorumSystem::majority(NodeSet::first_n(options_.replicas)), log::Timing{}, limits,
          options_.bugs, /*seed=*/id, /*snapshots: never*/ {}};
}

void MultiPaxosModel::seal(Ghosts& g) {
  StateDigest d;
  auto add_key = [&](const VoteKey& k) {
    d.add(std::get<0>(k));
    d.add(std::get<1>(k));
    for (const Value& c : std::get<2>(k)) d.add(c);
    d.separator();
  };
  for (const auto& [slot, value] : g.committed) {
    d.add(slot);
    for (const Value& c : value) d.add(c);
    d.separator();
  }
  d.separator();
  for (const auto& [key, voters] : g.votes) {
    add_key(key);
    d.add(voters);
  }
  d.separator();
  for (const VoteKey& k : g.proposals) add_key(k);
  g.fingerprint = d.finish();
}

MultiPaxosModel::State MultiPaxosModel::initial() const {
  State s;
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    auto box = std::make_shared<Box>(config_for(i));
    box->seal();
    s.replicas.push_back(std::move(box));
  }
  s.crashes_left = options_.crashes;
  auto g = std::make_shared<Ghosts>();
  seal(*g);
  s.ghosts = std::move(g);
  return s;
}

void MultiPaxosModel::actions(const State& s, std::vector<Action>& out) const {
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    const multipaxos::Replica& r = s.replicas[i - 1]->core();
    auto id = static_cast<std::uint8_t>(i);
    if (i <= options_.candidates && !r.is_leader() && r.next_election_ballot().round < options_.rounds) {
      out.push_back({Kind::kElection, id, 0, 0});
    }
    if (r.is_leader()) {
      for (std::uint32_t k = 1; k <= options_.commands; ++k) {
        if ((s.submitted & (1u << (k - 1))) == 0) {
          out.push_back({Kind::kSubmit, id, static_cast<std::uint8_t>(k), 0});
        }
      }
      if (options_.heartbeats) out.push_back({Kind::kHeartbeat, id, 0, 0});
    } else if (options_.catch_up) {
      out.push_back({Kind::kCatchUp, id, 0, 0});
    }
    if (s.crashes_left > 0) out.push_back({Kind::kCrash, id, 0, 0});
  }
  for (std::size_t m = 0; m < s.network.size(); ++m) {
    out.push_back({Kind::kDeliver, 0, 0, s.network.id(m)});
  }
}

const MultiPaxosModel::Effect& MultiPaxosModel::effect(const Box& before, Action a) const {
  return effects_.get(before.fingerprint, a, [&] { return compute_effect(before, a); });
}

MultiPaxosModel::Effect MultiPaxosModel::compute_effect(const Box& before, Action a) const {
  auto box = std::make_shared<Box>(before);
  Effect e;
  auto act = [&](auto f) { box->act(messages_, e.what, f); };
  using Host = Box::Host;
  switch (a.kind) {
    case Kind::kElection:
      act([](Host& h) { h.act([](multipaxos::Replica& r) { r.expire_election_timer(); }); });
      break;
    case Kind::kSubmit:
      act([&](Host& h) { give_command(h, command(a.command)); });
      break;
    case Kind::kHeartbeat:
      act([](Host& h) { h.act([](multipaxos::Replica& r) { r.expire_heartbeat_timer(); }); });
      break;
    case Kind::kCatchUp:
      act([](Host& h) { h.act([](multipaxos::Replica& r) { r.expire_catchup_timer(); }); });
      break;
    case Kind::kCrash:
      box->crash_restart(messages_, e.what);
      break;
    case Kind::kDeliver:
      act([&](Host& h) { deliver(h, messages_.envelope(a.message)); });
      break;
    case Kind::kNone:
      QUORUM_ASSERT(false, "no action");
  }
  box->seal();
  e.box = std::move(box);
  return e;
}

MultiPaxosModel::State MultiPaxosModel::apply(const State& before, Action a) const {
  State s = before;
  std::uint32_t id = a.kind == Kind::kDeliver ? messages_.envelope(a.message).to.value() : a.replica;
  if (a.kind == Kind::kCrash) --s.crashes_left;
  if (a.kind == Kind::kSubmit) s.submitted |= 1u << (a.command - 1);
  const Effect& e = effect(*s.replicas[id - 1], a);
  s.replicas[id - 1] = e.box;
  std::shared_ptr<Ghosts> g;  // copied on the first change
  auto ghosts = [&]() -> Ghosts& {
    if (!g) g = std::make_shared<Ghosts>(*s.ghosts);
    return *g;
  };
  for (std::uint32_t m : e.what.sent) {
    s.network.send(m, messages_);
    const Envelope& env = messages_.envelope(m);
    if (const auto* acc = std::get_if<multipaxos::Accept>(&env.payload)) {
      for (const log::SlotValue& v : acc->entries) {
        VoteKey k{v.slot.value(), acc->ballot, v.value.commands};
        if (s.ghosts->proposals.count(k) == 0) ghosts().proposals.insert(std::move(k));
      }
    }
  }
  for (const multipaxos::Record& r : e.what.written) {
    const auto* accept = std::get_if<multipaxos::AcceptRecord>(&r);
    if (accept == nullptr) continue;
    for (const log::SlotValue& v : accept->entries) {
      VoteKey k{v.slot.value(), accept->ballot, v.value.commands};
      auto it = s.ghosts->votes.find(k);
      if (it == s.ghosts->votes.end() || !it->second.contains(NodeId{id})) ghosts().votes[k].insert(NodeId{id});
    }
  }
  record_committed(s.ghosts->committed, e.what.committed, "Agreement", "slot", [&]() -> auto& {
    return ghosts().committed;
  });
  if (g) {
    seal(*g);
    s.ghosts = std::move(g);
  }
  return s;
}

void MultiPaxosModel::check(const State& s) const {
  const Ghosts& g = *s.ghosts;
  check_validity(g.committed, options_.commands, "slot");
  for (const auto& [key, voters] : g.votes) {
    if (voters.size() * 2 <= options_.replicas) continue;
    const auto& [slot, ballot, value] = key;
    for (const auto& [pslot, pballot, pvalue] : g.proposals) {
      QUORUM_INVARIANT("Consistency", pslot != slot || pballot <= ballot || pvalue == value,
                       "slot " + std::to_string(slot) + " was chosen at ballot " + ballot.to_string() +
                           " by " + voters.to_string() + ", yet ballot " + pballot.to_string() +
                           " proposes another value there");
    }
  }
}

Fingerprint MultiPaxosModel::fingerprint(const State& s) const { return log_state_fingerprint(s); }

std::string MultiPaxosModel::describe(const State& /*before*/, Action a) const {
  std::string r = "replica " + std::to_string(a.replica);
  switch (a.kind) {
    case Kind::kElection:
      return r + "'s election timer fires: it campaigns";
    case Kind::kSubmit:
      return r + " (leading) is given \"" + command_label(command(a.command)) + "\"";
    case Kind::kHeartbeat:
      return r + "'s heartbeat timer fires";
    case Kind::kCatchUp:
      return r + " asks a peer ahead of it for chosen slots";
    case Kind::kCrash:
      return r + " crashes and restarts from its log";
    case Kind::kDeliver:
      return "deliver " + quorum::describe(messages_.envelope(a.message));
    case Kind::kNone:
      break;
  }
  return "?";
}

std::string MultiPaxosModel::summary(const State& s) const {
  std::string out = "final state:";
  for (const auto& box : s.replicas) {
    const multipaxos::Replica& r = box->core();
    out += "\n   replica " + r.id().to_string() + ": " + r.role_name() + ", promised " +
           r.promised().to_string() + ", commit " + r.commit_index().to_string() + ", applied up to slot " +
           box->host().applied().to_string();
  }
  return out + describe_committed(s.ghosts->committed);
}

}  // namespace quorum::check
