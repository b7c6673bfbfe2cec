// `quorum demo --simulated`: five single-decree Paxos nodes in the
// deterministic simulator, two proposers duelling with different values and an
// acceptor crashing after its promise, narrated message by message.
#include "cli/paxos_demo.h"

#include <fmt/format.h>

#include <iostream>

#include "sim/paxos_cluster.h"

namespace quorum::cli {
namespace {

std::string show(const std::optional<Proposal>& p) {
  return p ? fmt::format("{} \"{}\"", p->ballot.to_string(), p->value) : "-";
}

void print_table(const sim::PaxosCluster& c) {
  std::cout << fmt::format("    {:<6} {:<7} {:<10} {:<16} {}\n", "node", "status", "promised",
                           "accepted", "learned");
  for (std::uint32_t i = 1; i <= c.size(); ++i) {
    NodeId id{i};
    const paxos::Node* n = c.node(id);
    if (n == nullptr) {
      auto d = c.durable_state(id);
      std::cout << fmt::format("    {:<6} {:<7} {:<10} {:<16} {}\n", i, "crashed",
                               d ? d->promised.to_string() : "-", d ? show(d->accepted) : "-",
                               "(on disk)");
      continue;
    }
    std::cout << fmt::format("    {:<6} {:<7} {:<10} {:<16} {}\n", i, "up",
                             n->acceptor().promised.to_string(), show(n->acceptor().accepted),
                             n->learned() ? "\"" + *n->learned() + "\"" : "-");
  }
}

}  // namespace

int run_paxos_demo() {
  std::cout << "quorum demo: single-decree Paxos, 5 nodes, in the deterministic simulator\n"
               "  Nodes 1 and 5 propose different values at the same time (duelling\n"
               "  proposers); node 3 crashes right after promising and restarts later.\n"
               "  Ballots read round.node; every node is proposer, acceptor and learner.\n"
               "  Paxos must choose exactly one value, and every node must learn it.\n\n";
  sim::PaxosClusterOptions o;
  o.nodes = 5;
  o.network.delay_min_ticks = 1;
  o.network.delay_max_ticks = 3;
  o.storage.sync_latency_min_ticks = 1;
  o.storage.sync_latency_max_ticks = 1;
  sim::Trace trace(true);
  sim::PaxosCluster c(o, /*seed=*/7, &trace);
  std::size_t shown = trace.lines().size();
  auto flush = [&] {
    for (; shown < trace.lines().size(); ++shown) std::cout << "  " << trace.lines()[shown] << "\n";
  };

  ScopedInvariantHandler handler(&throwing_invariant_handler);
  try {
    c.propose(NodeId{1}, "apple");
    c.propose(NodeId{5}, "banana");
    flush();
    bool crashed = false;
    bool restarted = false;
    constexpr std::uint64_t kMaxTicks = 2000;
    while (c.now() < kMaxTicks) {
      c.tick();
      flush();
      const paxos::Node* n3 = c.node(NodeId{3});
      if (!crashed && n3 != nullptr && !n3->acceptor().promised.is_zero() &&
          n3->durable_seq() > 0) {
        std::cout << "\n  >>> node 3 has promised " << n3->acceptor().promised.to_string()
                  << " durably; crashing it now (memory lost, disk kept)\n";
        c.crash(NodeId{3});
        crashed = true;
        flush();
        print_table(c);
        std::cout << "\n";
      }
      if (crashed && !restarted && c.decided()) {
        std::cout << "\n  >>> a value is decided; restarting node 3 from its disk\n";
        c.restart(NodeId{3});
        restarted = true;
        flush();
      }
      if (restarted && c.all_up_nodes_learned()) break;
    }
  } catch (const InvariantFailure& f) {
    flush();
    std::cout << "\nVIOLATION " << f.property << ": " << f.message << "\n";
    return 1;
  }

  std::cout << "\n  Final state:\n";
  print_table(c);
  if (!c.decided() || !c.all_up_nodes_learned()) {
    std::cout << "\n  the cluster did not converge\n";
    return 1;
  }
  std::cout << fmt::format(
      "\n  Chosen: \"{}\". All 5 nodes learned it; no other value was ever chosen.\n"
      "  {} messages delivered in {} ticks.\n\n"
      "  Now break it and watch the checker catch the split brain:\n"
      "    build/bin/quorum sim --protocol paxos --seeds 200 --break minority-quorum\n",
      *c.decided(), c.delivered(), c.now());
  return 0;
}


}  // namespace quorum::cli
