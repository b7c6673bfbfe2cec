#include "sim/workload.h"

#include <algorithm>

#include "core/assert.h"
#include "smr/reply_output.h"

namespace quorum::sim {
namespace {

using lincheck::OpKind;
using lincheck::Output;

Output to_output(OpKind kind, const smr::Reply& r, const std::string& what) {
  if (auto out = smr::reply_output(kind, r)) return std::move(*out);
  throw InvariantFailure{"UnexpectedReply", what + " got the reply " + r.to_string(), "workload"};
}

}  // namespace

Workload::Workload(const WorkloadOptions& options, std::uint64_t seed)
    : options_(options), prng_(seed) {
  for (std::uint32_t i = 1; i <= options.clients; ++i) {
    Client c;
    c.id = i;
    clients_.push_back(std::move(c));
  }
}

Workload::Client* Workload::find(std::uint64_t id) {
  for (Client& c : clients_) {
    if (c.id == id) return &c;
  }
  return nullptr;
}

smr::Command Workload::random_command(Client& c) {
  auto key = [&] { return "k" + std::to_string(prng_.range(0, options_.keys - 1)); };
  std::uint64_t dice = prng_.range(0, 99);
  if (dice < 30) return {"GET", key()};
  if (dice < 55) {
    // Numbers give INCR something to count; unique strings make reads telling.
    std::string v = prng_.chance(300'000) ? std::to_string(prng_.range(0, 99))
                                          : "v" + std::to_string(c.id) + "." +
                                                std::to_string(c.next_request_no);
    return {"SET", key(), v};
  }
  if (dice < 70) return {"INCR", key()};
  if (dice < 80) return {"DEL", key()};
  if (dice < 85) return {"EXISTS", key()};
  std::string a = key();
  std::string b = key();
  if (a == b) return {"MGET", a};
  return {"MGET", a, b};
}

void Workload::start(Client& c, smr::Command cmd, std::uint64_t now) {
  Attempt a;
  a.request = smr::ClientRequest{c.id, c.next_request_no++, cmd};
  std::string name = smr::command_name(cmd);
  auto add = [&](OpKind k, const std::string& key, std::string value) {
    a.ops.push_back(history_.invoke(c.id, k, key, std::move(value), now));
    a.kinds.push_back(k);
  };
  if (name == "GET") add(OpKind::Get, cmd[1], "");
  if (name == "SET") add(OpKind::Set, cmd[1], cmd[2]);
  if (name == "INCR") add(OpKind::Incr, cmd[1], "");
  if (name == "DEL") add(OpKind::Del, cmd[1], "");
  if (name == "EXISTS") add(OpKind::Exists, cmd[1], "");
  if (name == "MGET") {
    a.array_reply = true;
    for (std::size_t i = 1; i < cmd.size(); ++i) add(OpKind::Get, cmd[i], "");
  }
  QUORUM_ASSERT(!a.ops.empty(), "workload built a command it cannot record");
  a.retry_at = now;
  c.current = std::move(a);
}

void Workload::send(Client& c, std::uint64_t now, ClientPort& port) {
  Attempt& a = *c.current;
  ++a.attempts;
  if (a.attempts > 1) ++retries_;
  a.retry_at = 0;
  a.deadline = now + options_.timeout_ticks;
  auto r = port.submit(c.target, a.request);
  if (r.status == multipaxos::SubmitStatus::kAccepted) return;
  // Redirect to the leader the replica named, or try another one shortly.
  if (r.status == multipaxos::SubmitStatus::kNotLeader && r.leader_hint != kNoNode &&
      r.leader_hint != c.target) {
    c.target = r.leader_hint;
    a.retry_at = now + 1;
  } else {
    c.target = NodeId{static_cast<std::uint32_t>(prng_.range(1, port.replicas()))};
    a.retry_at = now + prng_.range(2, 10);
  }
}

void Workload::tick(std::uint64_t now, ClientPort& port) {
  // Replies due now reach their clients.
  std::vector<PendingReply> due;
  auto split = std::stable_partition(replies_.begin(), replies_.end(),
                                     [&](const PendingReply& p) { return p.due > now; });
  due.assign(std::make_move_iterator(split), std::make_move_iterator(replies_.end()));
  replies_.erase(split, replies_.end());
  for (PendingReply& p : due) {
    Client* c = find(p.request.client_id);
    if (c != nullptr && c->current && c->current->request.request_no == p.request.request_no) {
      complete(*c, p.reply, now);
    }
  }

  for (Client& c : clients_) {
    if (!c.current) {
      if (c.start_at > now) continue;
      if (!c.script.empty()) {
        smr::Command cmd = std::move(c.script.front());
        c.script.pop_front();
        start(c, std::move(cmd), now);
      } else if (accepting_new_ && c.random_ops) {
        start(c, random_command(c), now);
      } else {
        continue;
      }
    }
    Attempt& a = *c.current;
    if (a.retry_at != 0 && a.retry_at <= now) {
      send(c, now, port);
    } else if (a.retry_at == 0 && a.deadline <= now) {
      if (a.attempts >= options_.max_attempts) {
        for (lincheck::OpId op : a.ops) history_.unknown(op);
        ++given_up_;
        c.current.reset();
        if (!c.has_session) {
          // Whether the first request ran is unknown, so the servers refuse
          // the next number as an expired session (smr/client_table.h):
          // start over under a fresh client id, as a real client must.
          c.id = next_fresh_id_++;
          c.next_request_no = 1;
        }
        c.start_at = now + 1;
        continue;
      }
      c.target = NodeId{c.target.value() % port.replicas() + 1};
      send(c, now, port);
    }
  }
}

void Workload::on_reply(const smr::ClientRequest& request, const smr::Reply& reply,
                        std::uint64_t now) {
  if (prng_.chance(options_.reply_drop_ppm)) return;
  replies_.push_back(PendingReply{now + prng_.range(1, options_.reply_delay_max_ticks), request, reply});
}

void Workload::on_dropped(const smr::ClientRequest& request) {
  Client* c = find(request.client_id);
  if (c == nullptr || !c->current || c->current->request.request_no != request.request_no) return;
  if (c->current->retry_at == 0) c->current->deadline = 0;  // times out, and retries, next tick
}

void Workload::complete(Client& c, const smr::Reply& reply, std::uint64_t now) {
  Attempt& a = *c.current;
  std::string what = "client " + std::to_string(c.id) + " request " +
                     std::to_string(a.request.request_no) + " (" + smr::describe(a.request) + ")";
  if (reply.kind() == smr::Reply::Kind::kError && a.kinds[0] != OpKind::Incr) {
    throw InvariantFailure{"AtMostOnce", what + " was refused: " + reply.to_string(), "workload"};
  }
  if (!a.array_reply) {
    history_.ok(a.ops[0], to_output(a.kinds[0], reply, what), now);
  } else {
    if (reply.kind() != smr::Reply::Kind::kArray || reply.elements().size() != a.ops.size()) {
      throw InvariantFailure{"UnexpectedReply", what + " got " + reply.to_string(), "workload"};
    }
    for (std::size_t i = 0; i < a.ops.size(); ++i) {
      history_.ok(a.ops[i], to_output(a.kinds[i], reply.elements()[i], what), now);
    }
  }
  ++completed_;
  c.has_session = true;
  c.current.reset();
  c.start_at = now + prng_.range(0, options_.think_max_ticks);
}

void Workload::stop_new() {
  accepting_new_ = false;
  for (Client& c : clients_) {
    if (c.current) c.current->attempts = 0;
  }
}

void Workload::final_reads(std::uint64_t now) {
  Client reader;
  reader.id = clients_.size() + 1;
  reader.random_ops = false;
  reader.start_at = now;
  for (std::uint32_t k = 0; k < options_.keys; ++k) reader.script.push_back({"GET", "k" + std::to_string(k)});
  clients_.push_back(std::move(reader));
}

bool Workload::idle() const {
  for (const Client& c : clients_) {
    if (c.current || !c.script.empty()) return false;
  }
  return true;
}

}  // namespace quorum::sim
