#include "check/vsr_model.h"

#include <algorithm>

namespace quorum::check {

VsrModel::VsrModel(VsrModelOptions options) : options_(options) {
  QUORUM_ASSERT(options_.replicas >= 1 && options_.replicas <= 7, "1 to 7 replicas");
  QUORUM_ASSERT(options_.commands >= 1 && options_.commands <= 8, "1 to 8 commands");
  QUORUM_ASSERT(options_.views >= 1, "at least view 0");
}

host::HostConfig<vsr::Protocol> VsrModel::config_for(std::uint32_t id) const {
  vsr::Limits limits;
  limits.window_slots = 4;
  limits.max_batch_commands = 1;  // one command per op: more ops, the interesting part
  return {NodeId{id}, QuorumSystem::majority(NodeSet::first_n(options_.replicas)), vsr::Timing{}, limits,
          options_.bugs, /*seed=*/id, /*snapshots: never*/ {}};
}

void VsrModel::seal(Ghosts& g) {
  StateDigest d;
  for (const auto& [op, value] : g.committed) {
    d.add(op);
    for (const Value& c : value) d.add(c);
    d.separator();
  }
  g.fingerprint = d.finish();
}

VsrModel::State VsrModel::initial() const {
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

void VsrModel::actions(const State& s, std::vector<Action>& out) const {
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    const vsr::Replica& r = s.replicas[i - 1]->core();
    auto id = static_cast<std::uint8_t>(i);
    if (!r.is_leader() && r.view().value() + 1 < options_.views) out.push_back({Kind::kViewChange, id, 0, 0});
    if (r.is_leader()) {
      for (std::uint32_t k = 1; k <= options_.commands; ++k) {
        if ((s.submitted & (1u << (k - 1))) == 0) {
          out.push_back({Kind::kSubmit, id, static_cast<std::uint8_t>(k), 0});
        }
      }
      if (options_.heartbeats) out.push_back({Kind::kHeartbeat, id, 0, 0});
    }
    if (r.transferring()) out.push_back({Kind::kTransfer, id, 0, 0});
    if (s.crashes_left > 0) out.push_back({Kind::kCrash, id, 0, 0});
  }
  for (std::size_t m = 0; m < s.network.size(); ++m) {
    out.push_back({Kind::kDeliver, 0, 0, s.network.id(m)});
  }
}

const VsrModel::Effect& VsrModel::effect(const Box& before, Action a) const {
  return effects_.get(before.fingerprint, a, [&] { return compute_effect(before, a); });
}

VsrModel::Effect VsrModel::compute_effect(const Box& before, Action a) const {
  auto box = std::make_shared<Box>(before);
  Effect e;
  auto act = [&](auto f) { box->act(messages_, e.what, f); };
  using Host = Box::Host;
  switch (a.kind) {
    case Kind::kViewChange:
      act([](Host& h) { h.act([](vsr::Replica& r) { r.expire_view_timer(); }); });
      break;
    case Kind::kSubmit:
      act([&](Host& h) { give_command(h, command(a.command)); });
      break;
    case Kind::kHeartbeat:
      act([](Host& h) { h.act([](vsr::Replica& r) { r.expire_heartbeat_timer(); }); });
      break;
    case Kind::kTransfer:
      act([](Host& h) { h.act([](vsr::Replica& r) { r.expire_transfer_timer(); }); });
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

VsrModel::State VsrModel::apply(const State& before, Action a) const {
  State s = before;
  const std::uint32_t id = a.kind == Kind::kDeliver ? messages_.envelope(a.message).to.value() : a.replica;
  if (a.kind == Kind::kCrash) --s.crashes_left;
  if (a.kind == Kind::kSubmit) s.submitted |= 1u << (a.command - 1);
  const Effect& e = effect(*s.replicas[id - 1], a);
  s.replicas[id - 1] = e.box;
  for (std::uint32_t m : e.what.sent) s.network.send(m, messages_);
  std::shared_ptr<Ghosts> g;  // copied on the first change
  record_committed(s.ghosts->committed, e.what.committed, "CommittedOpsNeverChange", "op", [&]() -> auto& {
    if (!g) g = std::make_shared<Ghosts>(*s.ghosts);
    return g->committed;
  });
  if (g) {
    seal(*g);
    s.ghosts = std::move(g);
  }
  return s;
}

void VsrModel::check(const State& s) const {
  const Ghosts& g = *s.ghosts;
  check_validity(g.committed, options_.commands, "op");
  // A committed op is in the log every later view starts from, and a replica
  // normal in a view holds a prefix of that view's log. So every replica
  // whose log is from the newest view any replica has been normal in (the
  // largest log_view) holds each committed op it has with the committed
  // value, whatever it is doing now. A replica whose log is from an older
  // view (a deposed primary that has not heard of the change, say) may hold
  // anything above its commit number: that is not checked.
  vsr::View newest{0};
  for (const auto& box : s.replicas) newest = std::max(newest, box->core().log_view());
  for (const auto& box : s.replicas) {
    const vsr::Replica& r = box->core();
    if (r.log_view() != newest) continue;
    for (const auto& [op, value] : g.committed) {
      if (Slot{op} > r.op() || Slot{op} <= r.compacted()) continue;
      QUORUM_INVARIANT("LogMatchesCommitted", r.entry(Slot{op})->commands == value,
                       "replica " + r.id().to_string() + ", whose log is from view " + r.log_view().to_string() +
                           ", holds another value at committed op " + std::to_string(op));
    }
  }
}

Fingerprint VsrModel::fingerprint(const State& s) const { return log_state_fingerprint(s); }

std::string VsrModel::describe(const State& /*before*/, Action a) const {
  const std::string r = "replica " + std::to_string(a.replica);
  switch (a.kind) {
    case Kind::kViewChange:
      return r + "'s view-change timer fires: it moves to the next view";
    case Kind::kSubmit:
      return r + " (primary) is given \"" + command_label(command(a.command)) + "\"";
    case Kind::kHeartbeat:
      return r + "'s heartbeat fires (Commit to every backup)";
    case Kind::kTransfer:
      return r + " asks again for the state it is missing";
    case Kind::kCrash:
      return r + " crashes and restarts from its log";
    case Kind::kDeliver:
      return "deliver " + quorum::describe(messages_.envelope(a.message));
    case Kind::kNone:
      break;
  }
  return "?";
}

std::string VsrModel::summary(const State& s) const {
  std::string out = "final state:";
  for (const auto& box : s.replicas) {
    const vsr::Replica& r = box->core();
    out += "\n   replica " + r.id().to_string() + ": " + r.role_name() + ", view " + r.view().to_string() +
           " (normal in " + r.log_view().to_string() + "), op " + r.op().to_string() + ", commit " +
           r.commit_index().to_string() + ", applied up to op " + box->host().applied().to_string();
  }
  return out + describe_committed(s.ghosts->committed);
}

}  // namespace quorum::check
