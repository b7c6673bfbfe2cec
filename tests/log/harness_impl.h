// LogHarness's definitions, included by the one .cc per protocol that
// instantiates it (multipaxos_traits.cc, vsr_traits.cc); tests include the
// protocol's traits header instead.
#pragma once

#include <algorithm>
#include <sstream>
#include <stdexcept>

#include "harness.h"

namespace quorum::logtest {

// What one replica's host reports, forwarded to the harness.
template <class P>
class LogHarness<P>::Sink final : public host::Observer {
 public:
  Sink(LogHarness& h, std::uint32_t id) : h_(h), id_(id) {}

  void send(Envelope message) override { h_.on_send(id_, std::move(message)); }
  void fatal(const std::string& why) override {
    invariant_failed("ReplicaFailed", "replica " + std::to_string(id_) + ": " + why, __FILE__, __LINE__);
  }
  void slot_applied(Slot slot, const log::Batch& batch, const smr::Executor& state) override {
    h_.on_applied(id_, slot, batch, state);
  }
  void undecodable(Slot slot, const Value& command, const std::string& why) override {
    h_.violation("replica " + std::to_string(id_) + " committed " + std::to_string(command.size()) +
                 " bytes at " + slot.to_string() + " that are not a client request: " + why);
  }
  void dropped(Value command) override {
    h_.slot(id_).dropped.push_back(label(command));
    h_.note(Event::Kind::kClient, std::to_string(id_) + " dropped queued " + label(command));
  }
  void became_leader() override { ++h_.slot(id_).became_leader; }
  void stepped_down() override { ++h_.slot(id_).stepped_down; }
  void snapshot_taken(Slot index, std::size_t bytes) override {
    ++h_.slot(id_).snapshots_taken;
    h_.note(Event::Kind::kSnapshot,
            std::to_string(id_) + " snapshot at " + index.to_string() + " (" + std::to_string(bytes) + " bytes)");
  }
  void snapshot_installed(Slot index, std::size_t bytes) override {
    h_.note(Event::Kind::kSnapshot, std::to_string(id_) + " installed snapshot at " + index.to_string() + " (" +
                                        std::to_string(bytes) + " bytes)");
    h_.on_snapshot_installed(id_, index);
  }

 private:
  LogHarness& h_;
  std::uint32_t id_;
};

template <class P>
LogHarness<P>::LogHarness(std::uint32_t replicas) : LogHarness(Options{.replicas = replicas}) {}

template <class P>
LogHarness<P>::LogHarness(Options options)
    : throw_on_invariant_(&throwing_invariant_handler), options_(std::move(options)) {
  for (std::uint32_t id = 1; id <= options_.replicas; ++id) {
    slots_.push_back(std::make_unique<Replica>());
    slots_.back()->sink = std::make_unique<Sink>(*this, id);
  }
  for (std::uint32_t id = 1; id <= options_.replicas; ++id) start(id);
}

// Hosts reference their sinks and stores: they go first.
template <class P>
LogHarness<P>::~LogHarness() {
  for (auto& s : slots_) s->host.reset();
}

template <class P>
typename LogHarness<P>::Replica& LogHarness<P>::slot(std::uint32_t id) {
  if (id < 1 || id > slots_.size()) throw std::out_of_range("no replica " + std::to_string(id));
  return *slots_[id - 1];
}

template <class P>
const typename LogHarness<P>::Replica& LogHarness<P>::slot(std::uint32_t id) const {
  if (id < 1 || id > slots_.size()) throw std::out_of_range("no replica " + std::to_string(id));
  return *slots_[id - 1];
}

template <class P>
const typename LogHarness<P>::Host& LogHarness<P>::host(std::uint32_t id) const {
  const Replica& s = slot(id);
  if (!s.host) throw std::logic_error("replica " + std::to_string(id) + " is down");
  return *s.host;
}

template <class P>
typename LogHarness<P>::Host& LogHarness<P>::host(std::uint32_t id) {
  Replica& s = slot(id);
  if (!s.host) throw std::logic_error("replica " + std::to_string(id) + " is down");
  return *s.host;
}

template <class P>
host::HostConfig<P> LogHarness<P>::config_for(std::uint32_t id) const {
  auto policy = options_.snapshots_of.find(id);
  return host::HostConfig<P>{NodeId{id},
                             QuorumSystem::majority(NodeSet::first_n(options_.replicas)),
                             options_.timing,
                             options_.limits,
                             options_.bugs,
                             options_.seed * 1000 + id * 10 + slot(id).incarnation,
                             policy != options_.snapshots_of.end() ? policy->second : options_.snapshots};
}

template <class P>
void LogHarness<P>::violation(const std::string& what) {
  violations_.push_back(what);
  note(Event::Kind::kViolation, "VIOLATION " + what);
  if (!options_.expect_violations) ADD_FAILURE() << what << "\n" << history();
}

template <class P>
void LogHarness<P>::violations_from(std::vector<std::string> found) {
  for (std::string& v : found) violation(v);
}

template <class P>
template <class F>
void LogHarness<P>::act(std::uint32_t id, F&& f) {
  Replica& s = slot(id);
  if (!s.host) return;
  const log::Role before = s.host->core().role();
  const std::size_t mark = events_.size();
  try {
    f(*s.host);
  } catch (const InvariantFailure& failure) {
    return stop(id, failure);
  }
  const Core& core = s.host->core();
  if (core.role() != before) {
    // The headline of what this input did, before the messages it caused.
    events_.insert(events_.begin() + static_cast<std::ptrdiff_t>(mark),
                   Event{Event::Kind::kRole, std::to_string(id) + " " + log::role_name(before) + " -> " +
                                                 log::role_name(core.role()) + " (" + P::kEpoch + " " +
                                                 P::epoch(core) + ")"});
  }
  violations_from(oracle_.after(*this));
}

// A replica that breaks an invariant stops, like a process that aborts: its
// memory and pending records are gone; it may be restarted.
template <class P>
void LogHarness<P>::stop(std::uint32_t id, const InvariantFailure& f) {
  Replica& s = slot(id);
  violation("replica " + std::to_string(id) + " stopped: invariant " + f.property + " violated: " + f.message);
  s.store.crash();
  s.host.reset();
}

template <class P>
void LogHarness<P>::start(std::uint32_t id) {
  Replica& s = slot(id);
  s.committed.clear();
  s.synced.clear();
  s.last_seq = 0;
  s.host.emplace(config_for(id), s.store, *s.sink);
  std::optional<Result<host::Recovered, host::RecoveryError>> recovered;
  try {
    recovered.emplace(s.host->recover());
  } catch (const InvariantFailure& failure) {
    return stop(id, failure);  // a core that refuses what its disk says
  }
  if (!recovered->ok()) {
    s.host.reset();
    return violation("replica " + std::to_string(id) + " does not recover: " + recovered->error().message);
  }
  const host::Recovered& r = recovered->value();
  if (s.incarnation > 0) {
    note(Event::Kind::kLife, "restart " + std::to_string(id) + " (" + r.durable + ", snapshot at " +
                                 r.snapshot_index.to_string() + ", " + std::to_string(r.log.records) +
                                 " records)");
  }
  if (r.snapshot_index > Slot{0}) check_state(id, r.snapshot_index, s.host->state().digest());
  act(id, [](Host& h) { h.flush(); });
}

template <class P>
void LogHarness<P>::crash(std::uint32_t id) {
  Replica& s = slot(id);
  if (!s.host) return;
  note(Event::Kind::kLife,
       "crash " + std::to_string(id) + " (" + std::to_string(s.store.pending()) + " pending records lost)");
  s.store.crash();
  s.host.reset();
}

template <class P>
void LogHarness<P>::restart(std::uint32_t id) {
  Replica& s = slot(id);
  if (s.host) return;
  ++s.incarnation;
  start(id);
}

// ---------------------------------------------------------------- what hosts report

template <class P>
void LogHarness<P>::on_send(std::uint32_t id, Envelope e) {
  QUORUM_ASSERT(e.from.value() == id, "a host sent a message in another replica's name");
  note(Event::Kind::kSend, "send " + describe(e));
  sent_.push_back(e);
  violations_from(oracle_.sent(*this, e));
  in_flight_.push_back(std::move(e));
}

template <class P>
void LogHarness<P>::on_applied(std::uint32_t id, Slot at, const log::Batch& batch, const smr::Executor& state) {
  Replica& s = slot(id);
  const log::SlotValue entry{at, batch};
  note(Event::Kind::kCommit, std::to_string(id) + " committed " + at.to_string() + ":" + show(batch));
  s.committed.push_back(entry);
  auto [it, fresh] = committed_anywhere_.emplace(at, batch);
  if (!fresh && it->second != batch) {
    violation("Agreement: replica " + std::to_string(id) + " committed " + show(batch) + " at " + at.to_string() +
              " but " + show(it->second) + " was committed there before");
  }
  violations_from(oracle_.committed(*this, id, entry));
  check_state(id, at, state.digest());
}

template <class P>
void LogHarness<P>::on_snapshot_installed(std::uint32_t id, Slot index) {
  Replica& s = slot(id);
  ++s.snapshots_installed;
  // The stream starts again after the snapshot.
  s.committed.clear();
  check_state(id, index, s.host->state().digest());
}

template <class P>
void LogHarness<P>::check_state(std::uint32_t id, Slot applied, std::uint64_t digest) {
  auto [it, fresh] = digest_after_.emplace(applied, digest);
  if (!fresh && it->second != digest) {
    violation("StateDivergence: replica " + std::to_string(id) + " has a different state after " +
              applied.to_string() + " than another replica had there");
  }
}

// ---------------------------------------------------------------- clients, time, disk

template <class P>
log::SubmitResult LogHarness<P>::submit(std::uint32_t id, const std::string& label) {
  host(id);  // a script that submits to a down replica is wrong: throw
  const std::size_t at = events_.size();
  note(Event::Kind::kClient, std::to_string(id) + " submit " + show(batch({label})));
  log::SubmitResult r{log::SubmitStatus::kNotLeader, kNoNode};
  act(id, [&](Host& h) { r = h.submit(command(label)); });
  events_[at].text += r.status == log::SubmitStatus::kAccepted ? ": accepted"
                      : r.status == log::SubmitStatus::kBusy   ? ": busy"
                                                               : ": not leader (hint " + r.leader_hint.to_string() + ")";
  return r;
}

template <class P>
void LogHarness<P>::end_turn(std::uint32_t id) {
  act(id, [](Host& h) { h.end_turn(); });
}

template <class P>
void LogHarness<P>::tick(std::uint32_t id, int times) {
  for (int i = 0; i < times && is_up(id); ++i) act(id, [](Host& h) { h.tick(); });
}

template <class P>
void LogHarness<P>::tick_all(int times) {
  for (int i = 0; i < times; ++i) {
    for (std::uint32_t id = 1; id <= size(); ++id) tick(id);
  }
}

template <class P>
std::size_t LogHarness<P>::sync(std::uint32_t id, std::size_t max) {
  Replica& s = slot(id);
  if (!s.host || s.store.pending() == 0 || max == 0) return 0;
  std::vector<Record> records;
  const std::uint64_t seq = s.store.sync(max, &records);
  // The records just made durable are the log's last ones (nothing truncates
  // before on_durable): their write numbers must follow each other.
  const auto& log = s.store.durable_records();
  for (std::size_t i = log.size() - records.size(); i < log.size(); ++i) {
    if (log[i].seq != s.last_seq + 1) {
      violation("replica " + std::to_string(id) + " wrote record " + std::to_string(log[i].seq) + " after " +
                std::to_string(s.last_seq));
    }
    s.last_seq = log[i].seq;
  }
  for (Record& r : records) {
    note(Event::Kind::kDisk, std::to_string(id) + " durable " + Traits<P>::describe(r));
    violations_from(oracle_.durable(*this, id, r));
    s.synced.push_back(std::move(r));
  }
  act(id, [&](Host& h) { h.on_durable(seq); });
  return records.size();
}

template <class P>
void LogHarness<P>::sync_all() {
  for (std::uint32_t id = 1; id <= size(); ++id) sync(id);
}

template <class P>
std::vector<typename P::Record> LogHarness<P>::durable(std::uint32_t id) const {
  std::vector<Record> out;
  for (const auto& r : slot(id).store.durable_records()) {
    auto decoded = P::decode(r.payload);
    QUORUM_ASSERT(decoded.ok(), "a durable record does not decode");
    out.push_back(std::move(decoded).value());
  }
  return out;
}

template <class P>
typename P::DurableState LogHarness<P>::replayed_state(std::uint32_t id) const {
  DurableState d;
  for (const Record& r : durable(id)) d.apply(r);
  return d;
}

// ---------------------------------------------------------------- network

template <class P>
bool LogHarness<P>::matches(const Msgs& which, const Envelope& e) const {
  return which.matches(e, &Traits<P>::names_slot);
}

// A misspelt type would match nothing and make a scenario vacuous.
template <class P>
void LogHarness<P>::check_type(const Msgs& which) const {
  if (which.type().empty()) return;
  const auto& types = Traits<P>::kMessageTypes;
  if (std::find(types.begin(), types.end(), which.type()) == types.end()) {
    ADD_FAILURE() << "no " << P::kName << " message is called '" << which.type() << "'";
  }
}

template <class P>
std::vector<Envelope> LogHarness<P>::take(const Msgs& which) {
  check_type(which);
  std::vector<Envelope> taken;
  std::vector<Envelope> kept;
  for (Envelope& e : in_flight_) (matches(which, e) ? taken : kept).push_back(std::move(e));
  in_flight_ = std::move(kept);
  return taken;
}

template <class P>
void LogHarness<P>::deliver_one(const Envelope& e) {
  const std::uint32_t to = e.to.value();
  if (!is_up(to)) return note(Event::Kind::kNetwork, "lost (down) " + describe(e));
  if (cuts_.count({e.from.value(), to}) != 0) return note(Event::Kind::kNetwork, "lost (cut) " + describe(e));
  note(Event::Kind::kNetwork, "deliver " + describe(e));
  act(to, [&](Host& h) { h.step(e); });
}

template <class P>
std::size_t LogHarness<P>::deliver(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (const Envelope& e : batch) deliver_one(e);
  return batch.size();
}

template <class P>
bool LogHarness<P>::deliver_first(const Msgs& which) {
  check_type(which);
  auto it = std::find_if(in_flight_.begin(), in_flight_.end(), [&](const Envelope& e) { return matches(which, e); });
  if (it == in_flight_.end()) return false;
  Envelope e = std::move(*it);
  in_flight_.erase(it);
  deliver_one(e);
  return true;
}

template <class P>
std::size_t LogHarness<P>::deliver_newest_first(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  std::reverse(batch.begin(), batch.end());
  for (const Envelope& e : batch) deliver_one(e);
  return batch.size();
}

template <class P>
std::size_t LogHarness<P>::drop(const Msgs& which) {
  std::vector<Envelope> batch = take(which);
  for (const Envelope& e : batch) note(Event::Kind::kNetwork, "drop " + describe(e));
  return batch.size();
}

template <class P>
std::size_t LogHarness<P>::duplicate(const Msgs& which) {
  check_type(which);
  std::vector<Envelope> copies;
  for (const Envelope& e : in_flight_) {
    if (matches(which, e)) copies.push_back(e);
  }
  for (Envelope& e : copies) {
    note(Event::Kind::kNetwork, "duplicate " + describe(e));
    in_flight_.push_back(std::move(e));
  }
  return copies.size();
}

template <class P>
std::size_t LogHarness<P>::count(const Msgs& which) const {
  check_type(which);
  return static_cast<std::size_t>(
      std::count_if(in_flight_.begin(), in_flight_.end(), [&](const Envelope& e) { return matches(which, e); }));
}

template <class P>
std::vector<Envelope> LogHarness<P>::in_flight(const Msgs& which) const {
  check_type(which);
  std::vector<Envelope> out;
  for (const Envelope& e : in_flight_) {
    if (matches(which, e)) out.push_back(e);
  }
  return out;
}

template <class P>
void LogHarness<P>::inject(Envelope e) {
  note(Event::Kind::kNetwork, "inject " + describe(e));
  sent_.push_back(e);
  violations_from(oracle_.sent(*this, e));
  in_flight_.push_back(std::move(e));
}

template <class P>
void LogHarness<P>::cut(std::uint32_t from, std::uint32_t to) {
  note(Event::Kind::kNetwork, "cut " + std::to_string(from) + "->" + std::to_string(to));
  cuts_.insert({from, to});
}

template <class P>
void LogHarness<P>::isolate(std::uint32_t id) {
  for (std::uint32_t other = 1; other <= size(); ++other) {
    if (other == id) continue;
    cut(id, other);
    cut(other, id);
  }
}

template <class P>
void LogHarness<P>::heal_all() {
  note(Event::Kind::kNetwork, "heal");
  cuts_.clear();
}

// ---------------------------------------------------------------- composite steps

template <class P>
bool LogHarness<P>::settle(int max_rounds) {
  for (int r = 0; r < max_rounds; ++r) {
    bool pending = false;
    for (std::uint32_t id = 1; id <= size(); ++id) pending = pending || (is_up(id) && pending_writes(id) > 0);
    if (in_flight_.empty() && !pending) return true;
    sync_all();
    deliver_all();
  }
  return false;
}

template <class P>
void LogHarness<P>::round() {
  deliver_all();
  sync_all();
  tick_all();
}

template <class P>
bool LogHarness<P>::run_until(const std::function<bool()>& pred, int max_rounds) {
  for (int r = 0; r < max_rounds; ++r) {
    if (pred()) return true;
    round();
  }
  return pred();
}

template <class P>
bool LogHarness<P>::elect(std::uint32_t id) {
  return Traits<P>::elect(*this, id);
}

template <class P>
void LogHarness<P>::heartbeat(std::uint32_t leader) {
  const Msgs beat = msgs(Traits<P>::kHeartbeat).from(leader);
  const std::size_t before = sent(beat);
  for (std::uint32_t i = 0; i <= options_.timing.heartbeat_ticks && sent(beat) == before; ++i) tick(leader);
  settle();
}

template <class P>
bool LogHarness<P>::commit(std::uint32_t leader, const std::string& label) {
  if (submit(leader, label).status != log::SubmitStatus::kAccepted) return false;
  settle();
  if (!is_up(leader)) return false;
  const Value c = command(label);
  return std::any_of(committed(leader).begin(), committed(leader).end(), [&](const log::SlotValue& e) {
    return std::find(e.value.commands.begin(), e.value.commands.end(), c) != e.value.commands.end();
  });
}

// ---------------------------------------------------------------- inspection

template <class P>
std::vector<std::uint32_t> LogHarness<P>::leaders() const {
  std::vector<std::uint32_t> out;
  for (std::uint32_t id = 1; id <= size(); ++id) {
    if (is_up(id) && core(id).is_leader()) out.push_back(id);
  }
  return out;
}

template <class P>
Labels LogHarness<P>::committed_commands(std::uint32_t id) const {
  Labels out;
  for (const log::SlotValue& c : committed(id)) {
    for (const Value& v : c.value.commands) out.push_back(label(v));
  }
  return out;
}

template <class P>
std::size_t LogHarness<P>::sent(const Msgs& which) const {
  check_type(which);
  return static_cast<std::size_t>(
      std::count_if(sent_.begin(), sent_.end(), [&](const Envelope& e) { return matches(which, e); }));
}

template <class P>
std::vector<Envelope> LogHarness<P>::sent_messages(const Msgs& which) const {
  check_type(which);
  std::vector<Envelope> out;
  for (const Envelope& e : sent_) {
    if (matches(which, e)) out.push_back(e);
  }
  return out;
}

template <class P>
std::string LogHarness<P>::history() const {
  constexpr std::size_t kShown = 200;
  std::ostringstream os;
  const std::size_t from = events_.size() > kShown ? events_.size() - kShown : 0;
  os << "harness history (last " << (events_.size() - from) << " of " << events_.size() << " events):\n";
  for (std::size_t i = from; i < events_.size(); ++i) os << "  " << events_[i].text << "\n";
  return os.str();
}

}  // namespace quorum::logtest
