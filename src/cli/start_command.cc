// quorum start: one replica of a real cluster (DESIGN.md section 5).
#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include "cli/commands.h"
#include "server/replica_server.h"

namespace quorum::cli {

namespace {

struct StartFlags {
  std::uint32_t id = 0;
  std::string peers;
  std::string data_dir;
  std::string protocol = "multipaxos";
  std::string host = "127.0.0.1";
  std::uint16_t client_port = 6379;
  std::uint16_t admin_port = 0;
  std::uint32_t tick_ms = 10;
  std::uint32_t request_timeout_ms = 5000;
  std::uint64_t snapshot_every_slots = 50'000;
  std::uint64_t snapshot_every_mib = 64;
  std::uint32_t window_slots = 0;  // 0: the core's default
  std::uint32_t max_batch = 0;
  bool no_fsync = false;
};

// "1=host:port,2=host:port" -> map; the ids must be 1..n.
bool parse_peers(const std::string& text, std::map<NodeId, runtime::PeerAddress>& out, std::string& error) {
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    const auto colon = item.rfind(':');
    if (eq == std::string::npos || colon == std::string::npos || colon < eq) {
      error = "bad peer '" + item + "' (want ID=HOST:PORT)";
      return false;
    }
    try {
      const unsigned long id = std::stoul(item.substr(0, eq));
      const unsigned long port = std::stoul(item.substr(colon + 1));
      if (id == 0 || id > kMaxNodes || port == 0 || port > 65535) throw std::out_of_range("range");
      if (out.count(NodeId{static_cast<std::uint32_t>(id)}) != 0) {
        error = "replica " + std::to_string(id) + " listed twice";
        return false;
      }
      out[NodeId{static_cast<std::uint32_t>(id)}] =
          runtime::PeerAddress{item.substr(eq + 1, colon - eq - 1), static_cast<std::uint16_t>(port)};
    } catch (const std::exception&) {
      error = "bad peer '" + item + "' (want ID=HOST:PORT)";
      return false;
    }
  }
  for (std::uint32_t i = 1; i <= out.size(); ++i) {
    if (out.count(NodeId{i}) == 0) {
      error = "replica ids must be 1.." + std::to_string(out.size()) + " (missing " + std::to_string(i) + ")";
      return false;
    }
  }
  return true;
}

int run_start(const StartFlags& f) {
  server::ReplicaServerOptions o;
  o.host.protocol = f.protocol;
  std::string error;
  if (!parse_peers(f.peers, o.host.peers, error)) {
    std::fprintf(stderr, "quorum start: --peers: %s\n", error.c_str());
    return 2;
  }
  o.host.self = NodeId{f.id};
  if (o.host.peers.count(o.host.self) == 0) {
    std::fprintf(stderr, "quorum start: --id %u is not in --peers\n", f.id);
    return 2;
  }
  o.host.data_dir = f.data_dir;
  o.host.fsync = !f.no_fsync;
  o.host.tick = std::chrono::milliseconds(f.tick_ms);
  o.host.snapshot_every_slots = f.snapshot_every_slots;
  o.host.snapshot_every_bytes = f.snapshot_every_mib << 20;
  if (f.window_slots != 0) o.host.limits.window_slots = f.window_slots;
  if (f.max_batch != 0) o.host.limits.max_batch_commands = f.max_batch;
  o.client_host = f.host;
  o.client_port = f.client_port;
  o.admin_host = f.host;
  o.admin_port = f.admin_port;
  o.clients.request_timeout = std::chrono::milliseconds(f.request_timeout_ms);
  if (f.no_fsync) std::fprintf(stderr, "quorum: WARNING: --no-fsync: acknowledged writes may be lost on a crash\n");
  return server::run_replica(o);
}

}  // namespace

void add_start_command(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<StartFlags>();
  CLI::App* cmd = app.add_subcommand("start", "run one replica of a real cluster");
  cmd->add_option("--id", flags->id, "this replica's id (1..n)")->required();
  cmd->add_option("--peers", flags->peers, "every replica's peer address: 1=host:port,2=host:port,...")->required();
  cmd->add_option("--data-dir", flags->data_dir, "directory for the write-ahead log and snapshots")->required();
  cmd->add_option("--protocol", flags->protocol, "replication protocol")->check(CLI::IsMember({"multipaxos", "vsr"}));
  cmd->add_option("--host", flags->host, "address for the client and admin ports");
  cmd->add_option("--client-port", flags->client_port, "RESP (Redis protocol) port");
  cmd->add_option("--admin-port", flags->admin_port, "HTTP port for /status and /metrics (0: none)");
  cmd->add_option("--tick-ms", flags->tick_ms, "protocol tick; elections after 60-120 ticks of silence")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--request-timeout-ms", flags->request_timeout_ms, "then -NOQUORUM")->check(CLI::Range(1, 600000));
  cmd->add_option("--snapshot-every-slots", flags->snapshot_every_slots, "snapshot after this many slots (0: never)");
  cmd->add_option("--snapshot-every-mib", flags->snapshot_every_mib, "snapshot after this many MiB of commands");
  cmd->add_option("--window-slots", flags->window_slots, "slots the leader keeps in flight")->check(CLI::Range(1, 1024));
  cmd->add_option("--max-batch", flags->max_batch, "commands in one slot")->check(CLI::Range(1, 1024));
  cmd->add_flag("--no-fsync", flags->no_fsync, "do not fdatasync (benchmark comparisons only: unsafe)");
  cmd->callback([flags, &exit_code] { exit_code = run_start(*flags); });
}

}  // namespace quorum::cli
