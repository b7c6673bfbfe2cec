#include "sim/multipaxos_cluster.h"

#include "smr/kv_store.h"

namespace quorum::sim {

MultiPaxosCluster::MultiPaxosCluster(const MultiPaxosClusterOptions& options, std::uint64_t seed,
                                     Trace* trace)
    : options_(options),
      prng_(seed),
      trace_(trace),
      network_(options.replicas, options.network, prng_.fork()),
      slots_(options.replicas) {
  QUORUM_ASSERT(options.replicas >= 1 && options.replicas <= kMaxNodes, "cluster size out of range");
  for (std::uint32_t i = 1; i <= options.replicas; ++i) restart(NodeId{i});
}

MultiPaxosCluster::ReplicaSlot& MultiPaxosCluster::slot(NodeId id) {
  QUORUM_ASSERT(id.value() >= 1 && id.value() <= options_.replicas, "no such replica");
  return slots_[id.value() - 1];
}
const MultiPaxosCluster::ReplicaSlot& MultiPaxosCluster::slot(NodeId id) const {
  QUORUM_ASSERT(id.value() >= 1 && id.value() <= options_.replicas, "no such replica");
  return slots_[id.value() - 1];
}

void MultiPaxosCluster::crash(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) return;
  lost_writes_ += s.disk_queue.size();
  s.disk_queue.clear();
  s.replica.reset();
  s.executor.reset();
  s.waiting.clear();
  record("crash " + id.to_string());
}

void MultiPaxosCluster::restart(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (s.replica) return;
  multipaxos::DurableState recovered;
  for (const auto& r : s.disk) recovered.apply(r);
  NodeSet members = NodeSet::first_n(options_.replicas);
  multipaxos::Config config{id, QuorumSystem::majority(members), options_.timing, options_.limits,
                            options_.bugs, prng_.fork()};
  s.replica = std::make_unique<multipaxos::Replica>(config, recovered);
  s.executor = std::make_unique<smr::Executor>(std::make_unique<smr::KvStore>());
  s.applied_slots = 0;
  record("start " + id.to_string() + " (promised " + recovered.promised.to_string() + ", " +
         std::to_string(recovered.accepted.size()) + " votes on disk)");
}

bool MultiPaxosCluster::converged() const {
  for (const ReplicaSlot& s : slots_) {
    if (!s.replica || s.applied_slots != chosen_.size()) return false;
  }
  return true;
}

multipaxos::SubmitResult MultiPaxosCluster::submit(NodeId id, const smr::ClientRequest& request) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) return {multipaxos::SubmitStatus::kNotLeader, kNoNode};
  auto r = s.replica->submit(smr::encode_request(request));
  if (r.status == multipaxos::SubmitStatus::kAccepted) {
    s.waiting.insert({request.client_id, request.request_no});
  }
  drain(id);
  return r;
}

void MultiPaxosCluster::apply(NodeId id, ReplicaSlot& s, const multipaxos::SlotValue& entry) {
  std::uint64_t n = entry.slot.value();
  if (n > chosen_.size()) chosen_.resize(n);
  if (!chosen_[n - 1]) {
    chosen_[n - 1] = entry.value;
    commands_committed_ += entry.value.commands.size();
  }
  QUORUM_INVARIANT("Agreement", *chosen_[n - 1] == entry.value,
                   "replica " + id.to_string() + " applied a different batch at slot " +
                       entry.slot.to_string());
  for (const Value& bytes : entry.value.commands) {
    auto req = smr::decode_request(bytes);
    QUORUM_ASSERT(req.ok(), "a committed command does not decode");
    smr::Reply reply = s.executor->execute(req.value(), n);
    auto key = std::make_pair(req.value().client_id, req.value().request_no);
    if (s.waiting.erase(key) == 1 && on_reply_) on_reply_(id, req.value(), reply);
  }
  ++s.applied_slots;
  std::uint64_t digest = s.executor->digest();
  if (s.applied_slots > digest_after_.size()) digest_after_.push_back(digest);
  QUORUM_INVARIANT("StateDivergence", digest_after_[s.applied_slots - 1] == digest,
                   "replica " + id.to_string() + " has a different state after applying " +
                       std::to_string(s.applied_slots) + " slots");
}

void MultiPaxosCluster::drain(NodeId id) {
  ReplicaSlot& s = slot(id);
  if (!s.replica) return;
  multipaxos::Output out = s.replica->take_output();
  for (multipaxos::Write& w : out.writes) {
    std::uint64_t due = now_ + prng_.range(options_.disk_latency_min_ticks, options_.disk_latency_max_ticks);
    if (!s.disk_queue.empty()) due = std::max(due, s.disk_queue.back().due);
    s.disk_queue.push_back(PendingWrite{due, std::move(w)});
  }
  for (Envelope& e : out.messages) network_.send(now_, std::move(e));
  if (out.became_leader) {
    ++leader_changes_;
    record("leader " + id.to_string() + " ballot " + s.replica->promised().to_string());
  }
  if (out.stepped_down) record("step-down " + id.to_string());
  for (const Value& v : out.dropped) {
    auto req = smr::decode_request(v);
    if (req.ok() && s.waiting.erase({req.value().client_id, req.value().request_no}) == 1 &&
        on_dropped_) {
      on_dropped_(id, req.value());
    }
  }
  for (const multipaxos::SlotValue& entry : out.committed) apply(id, s, entry);
}

void MultiPaxosCluster::tick() {
  ++now_;
  while (auto e = network_.next_due(now_)) {
    NodeId to = e->to;
    ReplicaSlot& s = slot(to);
    if (!s.replica) continue;
    ++delivered_;
    record("deliver " + describe(*e));
    s.replica->step(*e);
    drain(to);
  }
  for (std::uint32_t i = 1; i <= options_.replicas; ++i) {
    NodeId id{i};
    ReplicaSlot& s = slot(id);
    while (s.replica && !s.disk_queue.empty() && s.disk_queue.front().due <= now_) {
      PendingWrite pw = std::move(s.disk_queue.front());
      s.disk_queue.pop_front();
      s.disk.push_back(pw.write.record);
      s.replica->on_durable(pw.write.seq);
    }
    if (s.replica) {
      s.replica->tick();
      drain(id);
    }
  }
}

}  // namespace quorum::sim
