// Pieces shared by the models of the log protocols (multipaxos_model.h,
// vsr_model.h): both run the shared replica host per node over an in-memory
// disk, make writes durable at once, and check the committed output the same
// way.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "check/message_pool.h"
#include "core/assert.h"
#include "core/multipaxos_messages.h"
#include "core/state_digest.h"
#include "host/memory_store.h"
#include "host/replica_host.h"
#include "smr/command.h"

namespace quorum::check {

// What one action did to one replica.
template <class P>
struct LogEffect {
  std::vector<std::uint32_t> sent;          // MessageTable ids, in order
  std::vector<log::SlotValue> committed;    // in output order
  std::vector<typename P::Record> written;  // records made durable
};

// One replica of a model state: the shared host (host/replica_host.h, the
// code the simulator and the server run) over an in-memory disk on which
// every write is durable at once; a crash before that is the same as a crash
// before the action. Copying a box copies the disk and the host together.
template <class P>
class LogBox {
 public:
  using Host = host::ReplicaHost<P, host::MemoryStore<P>>;

  // A replica that starts on an empty disk.
  explicit LogBox(const host::HostConfig<P>& config) {
    host_.emplace(config, store_, sink_);
    auto r = host_->recover();
    QUORUM_ASSERT(r.ok(), "an empty disk did not recover");
    LogEffect<P> ignored;  // the records a first start writes, and nothing else
    run(nullptr, ignored, [](Host& h) { h.flush(); });
  }
  LogBox(const LogBox& o) : fingerprint(o.fingerprint), store_(o.store_), host_(o.host_) {
    host_->rebind(store_, sink_);
  }
  LogBox& operator=(const LogBox&) = delete;

  // Runs `f` on the host; then every write becomes durable at once and what
  // that releases is drained too.
  template <class F>
  void act(MessageTable& messages, LogEffect<P>& out, F&& f) {
    run(&messages, out, std::forward<F>(f));
  }
  // The replica loses its memory and restarts from its records, through the
  // host's real recovery.
  void crash_restart(MessageTable& messages, LogEffect<P>& out) {
    store_.crash();
    host_.emplace(host_->config(), store_, sink_);
    auto r = host_->recover();
    QUORUM_INVARIANT("Recovers", r.ok(), r.ok() ? "" : r.error().message);
    act(messages, out, [](Host& h) { h.flush(); });
  }

  const Host& host() const { return *host_; }
  const typename P::Replica& core() const { return host_->core(); }
  const host::MemoryStore<P>& disk() const { return store_; }
  // The host's state and the disk's, which decide everything this replica
  // does next.
  void seal() {
    StateDigest d;
    host_->digest(d);
    store_.digest(d);
    fingerprint = d.finish();
  }
  Fingerprint fingerprint;

 private:
  // Collects what the host reports into the effect being computed.
  class Sink final : public host::Observer {
   public:
    MessageTable* messages = nullptr;  // null: messages are dropped (a first start)
    LogEffect<P>* out = nullptr;
    void send(Envelope m) override {
      if (messages != nullptr) out->sent.push_back(messages->intern(std::move(m)));
    }
    void fatal(const std::string& why) override { QUORUM_INVARIANT("ReplicaFailed", false, why); }
    void slot_applied(Slot slot, const log::Batch& batch, const smr::Executor&) override {
      out->committed.push_back(log::SlotValue{slot, batch});
    }
    void undecodable(Slot slot, const Value&, const std::string& why) override {
      QUORUM_INVARIANT("CommittedCommandDecodes", false, "slot " + slot.to_string() + ": " + why);
    }
  };

  template <class F>
  void run(MessageTable* messages, LogEffect<P>& out, F&& f) {
    sink_.messages = messages;
    sink_.out = &out;
    f(*host_);
    while (store_.pending() > 0) host_->on_durable(store_.sync(SIZE_MAX, &out.written));
    sink_.messages = nullptr;
    sink_.out = nullptr;
  }

  host::MemoryStore<P> store_;
  Sink sink_;
  std::optional<Host> host_;
};

// A leader given a client command proposes it and announces its commit
// index at once.
template <class Host>
void give_command(Host& h, const Value& command) {
  h.submit(command);
  h.end_turn();
}

// A message arrives; then, as the runtime does after each batch of work, a
// leader proposes what queued and announces its commit index.
template <class Host>
void deliver(Host& h, const Envelope& e) {
  h.step(e);
  if (h.core().is_leader()) h.end_turn();
}

// The client commands the models submit: client k's first request, a SET, so
// the host's state machine runs every committed command.
inline Value model_command(std::uint32_t k) {
  return smr::encode_request(smr::ClientRequest{k, 1, {"SET", "x", "c" + std::to_string(k)}});
}
// "c<k>" for model_command(k), for traces.
inline std::string command_label(const Value& command) {
  auto req = smr::decode_request(command);
  if (!req.ok() || req.value().command.size() != 3) return "?";
  return req.value().command[2];
}

// The first value output as committed at each position is recorded (through
// `committed()`, which copies the ghosts on first use); a later output there
// must equal it, or `property` fails.
template <class MutableCommitted>
void record_committed(const std::map<std::uint64_t, std::vector<Value>>& seen,
                      const std::vector<log::SlotValue>& output, const char* property, const char* entry,
                      MutableCommitted committed) {
  for (const log::SlotValue& c : output) {
    auto it = seen.find(c.slot.value());
    if (it == seen.end()) {
      committed()[c.slot.value()] = c.value.commands;
    } else {
      QUORUM_INVARIANT(property, it->second == c.value.commands,
                       std::string(entry) + " " + c.slot.to_string() + " was committed with two different values");
    }
  }
}

// Validity: committed entries hold only the commands c1..c<commands>.
inline void check_validity(const std::map<std::uint64_t, std::vector<Value>>& committed, std::uint32_t commands,
                           const char* entry) {
  for (const auto& [at, value] : committed) {
    for (const Value& c : value) {
      bool submitted = false;
      for (std::uint32_t k = 1; k <= commands; ++k) submitted |= c == model_command(k);
      QUORUM_INVARIANT("Validity", submitted,
                       std::string(entry) + " " + std::to_string(at) + " committed \"" + command_label(c) +
                           "\", which no client sent");
    }
  }
}

// A model state's fingerprint: its nodes', its network's and its ghosts'.
template <class State>
Fingerprint log_state_fingerprint(const State& s) {
  StateDigest d;
  for (const auto& box : s.replicas) {
    d.add(box->fingerprint.hi);
    d.add(box->fingerprint.lo);
  }
  s.network.digest(d);
  d.add(s.submitted);
  d.add(s.crashes_left);
  d.add(s.ghosts->fingerprint.hi);
  d.add(s.ghosts->fingerprint.lo);
  return d.finish();
}

// The committed map of a model's ghosts in a trace's final summary.
inline std::string describe_committed(const std::map<std::uint64_t, std::vector<Value>>& committed) {
  std::string out = "\n   committed:";
  for (const auto& [at, value] : committed) {
    out += " " + std::to_string(at) + "=[";
    for (std::size_t i = 0; i < value.size(); ++i) out += (i ? "," : "") + command_label(value[i]);
    out += "]";
  }
  return out;
}

}  // namespace quorum::check
