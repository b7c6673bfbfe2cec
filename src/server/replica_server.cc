#include "server/replica_server.h"

#include <fmt/format.h>

#include <asio.hpp>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "runtime/admin_http.h"

namespace quorum::server {

namespace {

std::string peers_text(const runtime::HostStatus& s) {
  std::string out;
  for (const auto& p : s.peers) {
    if (!out.empty()) out += ",";
    out += fmt::format("{}={}({}{})", p.id.to_string(), p.address.to_string(), p.connected ? "up" : "down",
                       p.blocked ? ",blocked" : "");
  }
  return out;
}

// "2,3" -> {2, 3}; nullopt on anything else.
std::optional<std::set<NodeId>> parse_ids(const std::string& text) {
  std::set<NodeId> ids;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    try {
      std::size_t used = 0;
      const unsigned long v = std::stoul(item, &used);
      if (used != item.size() || v == 0 || v > kMaxNodes) return std::nullopt;
      ids.insert(NodeId{static_cast<std::uint32_t>(v)});
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return ids;
}

runtime::HttpResponse admin(runtime::ReplicaHost& host, const runtime::Registry& metrics,
                            const runtime::HttpRequest& r) {
  if (r.path == "/metrics" && r.method == "GET") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.render_prometheus()};
  }
  if (r.path == "/status" && r.method == "GET") {
    return {200, "application/json", status_json(host.status()) + "\n"};
  }
  if (r.path == "/fault/partition" && r.method == "POST") {
    auto it = r.query.find("peers");
    auto ids = it == r.query.end() ? std::nullopt : parse_ids(it->second);
    if (!ids) return {400, "text/plain; charset=utf-8", "usage: POST /fault/partition?peers=2,3\n"};
    host.block_peers(*ids);
    return {200, "text/plain; charset=utf-8", "ok\n"};
  }
  if (r.path == "/fault/heal" && r.method == "POST") {
    host.heal();
    return {200, "text/plain; charset=utf-8", "ok\n"};
  }
  return {404, "text/plain; charset=utf-8", "not found: try /status or /metrics\n"};
}

}  // namespace

std::string info_text(const runtime::HostStatus& s, const runtime::Registry& metrics) {
  (void)metrics;
  std::string out;
  out += fmt::format("# Server\r\nquorum_version:0.1.0\r\nprotocol:{}\r\n", s.protocol);
  out += fmt::format("node_id:{}\r\n", s.id.to_string());
  out += "\r\n# Replication\r\n";
  // VSR's "ballot" is its view number.
  out += fmt::format("role:{}\r\nleader_id:{}\r\n{}:{}\r\n", s.role, s.leader.value(),
                     s.protocol == "vsr" ? "view" : "ballot", s.ballot);
  out += fmt::format("commit_index:{}\r\napplied_index:{}\r\ncompacted_index:{}\r\n", s.commit_index,
                     s.applied_index, s.compacted);
  out += fmt::format("peers:{}\r\n", peers_text(s));
  for (const auto& [id, c] : s.peer_commit) out += fmt::format("peer{}_commit_index:{}\r\n", id.value(), c);
  out += "\r\n# Stats\r\n";
  out += fmt::format("leader_changes:{}\r\nelections_won:{}\r\nlog_records_appended:{}\r\nlog_bytes_appended:{}\r\n",
                     s.leader_changes, s.elections_won, s.log_records, s.log_bytes);
  out += fmt::format("snapshots_taken:{}\r\nsnapshots_installed:{}\r\nclient_commands_waiting:{}\r\n",
                     s.snapshots_taken, s.snapshots_installed, s.waiting);
  return out;
}

std::string status_json(const runtime::HostStatus& s) {
  nlohmann::json j;
  j["id"] = s.id.value();
  j["protocol"] = s.protocol;
  j["role"] = s.role;
  j["leader"] = s.leader.value();
  j["ballot"] = s.ballot;
  j["commit_index"] = s.commit_index;
  j["applied_index"] = s.applied_index;
  j["compacted_index"] = s.compacted;
  j["log_records_appended"] = s.log_records;
  j["log_bytes_appended"] = s.log_bytes;
  j["client_commands_waiting"] = s.waiting;
  j["snapshots_taken"] = s.snapshots_taken;
  j["snapshots_installed"] = s.snapshots_installed;
  j["leader_changes"] = s.leader_changes;
  j["elections_won"] = s.elections_won;
  nlohmann::json peers = nlohmann::json::array();
  for (const auto& p : s.peers) {
    auto c = s.peer_commit.find(p.id);
    peers.push_back({{"id", p.id.value()},
                     {"address", p.address.to_string()},
                     {"connected", p.connected},
                     {"blocked", p.blocked},
                     {"frames_sent", p.frames_sent},
                     {"frames_received", p.frames_received},
                     {"dropped", p.dropped},
                     {"commit_index", c == s.peer_commit.end() ? 0 : c->second}});
  }
  j["peers"] = peers;
  return j.dump();
}

int run_replica(const ReplicaServerOptions& options) {
  asio::io_context io(1);
  runtime::Registry metrics;
  try {
    std::unique_ptr<runtime::ReplicaHost> host_ptr = runtime::make_replica_host(io, options.host, metrics);
    if (!host_ptr) throw std::runtime_error("unknown protocol '" + options.host.protocol + "'");
    runtime::ReplicaHost& host = *host_ptr;
    host.start();
    ClientServer clients(io, host, options.clients, [&host, &metrics] { return info_text(host.status(), metrics); });
    clients.listen(asio::ip::tcp::endpoint(asio::ip::make_address(options.client_host), options.client_port));
    std::unique_ptr<runtime::AdminServer> admin_server;
    if (options.admin_port != 0) {
      admin_server = std::make_unique<runtime::AdminServer>(
          io, asio::ip::tcp::endpoint(asio::ip::make_address(options.admin_host), options.admin_port),
          [&host, &metrics](const runtime::HttpRequest& r) { return admin(host, metrics, r); });
    }
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](std::error_code ec, int) {
      if (ec) return;
      clients.stop();
      if (admin_server) admin_server->stop();
      host.stop();
      io.stop();
    });
    std::fprintf(stderr, "quorum: replica %s ready: clients on %s:%u, peers on %s, admin on %s:%u\n",
                 options.host.self.to_string().c_str(), options.client_host.c_str(), clients.port(),
                 options.host.peers.at(options.host.self).to_string().c_str(), options.admin_host.c_str(),
                 admin_server ? admin_server->port() : 0);
    std::fflush(stderr);
    io.run();
    std::fprintf(stderr, "quorum: replica %s stopped\n", options.host.self.to_string().c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quorum: replica %s cannot run: %s\n", options.host.self.to_string().c_str(), e.what());
    return 1;
  }
}

}  // namespace quorum::server
