#include "cluster/nemesis.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>

namespace quorum::cluster {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A failed undo (a restart that did not come up) is tried again after this.
constexpr milliseconds kRetryUndo{1'000};
// How often wait_until_converged() polls.
constexpr milliseconds kConvergePoll{50};

milliseconds draw(Prng& prng, milliseconds lo, milliseconds hi) {
  return milliseconds(static_cast<milliseconds::rep>(
      prng.range(static_cast<std::uint64_t>(lo.count()), static_cast<std::uint64_t>(std::max(lo, hi).count()))));
}

}  // namespace

const char* to_string(NemesisAction a) {
  switch (a) {
    case NemesisAction::kKill:
      return "kill -9";
    case NemesisAction::kRestart:
      return "restart";
    case NemesisAction::kPause:
      return "SIGSTOP";
    case NemesisAction::kResume:
      return "SIGCONT";
    case NemesisAction::kPartition:
      return "partition";
    case NemesisAction::kHeal:
      return "heal";
    case NemesisAction::kExited:
      return "exited by itself";
  }
  return "?";
}

std::string NemesisEvent::to_string() const {
  std::string out =
      fmt::format("[{:7.3f}s] {} {}", static_cast<double>(at.count()) / 1000.0, cluster::to_string(action),
                  replica == 0 ? std::string("all replicas") : "replica " + std::to_string(replica));
  if (was_leader) out += " (the leader)";
  if (!ok) out += " FAILED";
  if (!detail.empty()) out += ": " + detail;
  return out;
}

Nemesis::Nemesis(LocalCluster& cluster, NemesisOptions options, Log log)
    : cluster_(cluster),
      options_(options),
      log_(std::move(log)),
      prng_(options.seed),
      epoch_(Clock::now()),
      next_fault_(epoch_ + draw(prng_, options.gap_min, options.gap_max)),
      state_(cluster.size()) {
  if (options_.max_faulty == 0) options_.max_faulty = (cluster.size() - 1) / 2;
}

void Nemesis::record(NemesisAction action, std::uint32_t replica, bool was_leader, bool ok, std::string detail) {
  NemesisEvent e;
  e.at = std::chrono::duration_cast<milliseconds>(Clock::now() - epoch_);
  e.action = action;
  e.replica = replica;
  e.was_leader = was_leader;
  e.ok = ok;
  e.detail = std::move(detail);
  if (!ok) ++counts_.failures;
  if (log_) log_(e);
  events_.push_back(std::move(e));
}

std::size_t Nemesis::faulty() const {
  return static_cast<std::size_t>(
      std::count_if(state_.begin(), state_.end(), [](const State& s) { return s.fault != Fault::kNone; }));
}

bool Nemesis::reachable(std::uint32_t id) const {
  const Fault f = state_[id - 1].fault;
  return f != Fault::kKilled && f != Fault::kPaused;
}

std::set<std::uint32_t> Nemesis::wanted_blocks(std::uint32_t id) const {
  std::set<std::uint32_t> out;
  const bool self_cut = state_[id - 1].fault == Fault::kPartitioned;
  for (std::uint32_t o = 1; o <= state_.size(); ++o) {
    if (o != id && (self_cut || state_[o - 1].fault == Fault::kPartitioned)) out.insert(o);
  }
  return out;
}

bool Nemesis::sync_blocks(std::uint32_t id, std::string& error) {
  const std::set<std::uint32_t> wanted = wanted_blocks(id);
  try {
    if (wanted.empty()) {
      cluster_.heal(id);
    } else {
      cluster_.partition(id, std::vector<std::uint32_t>(wanted.begin(), wanted.end()));
    }
    return true;
  } catch (const ClusterError& e) {
    error += std::string(error.empty() ? "" : "; ") + e.what();
    return false;
  }
}

void Nemesis::start_fault(Clock::time_point now) {
  std::vector<std::uint32_t> healthy;
  for (std::uint32_t id = 1; id <= state_.size(); ++id) {
    if (state_[id - 1].fault == Fault::kNone) healthy.push_back(id);
  }
  std::vector<Fault> kinds;
  if (options_.kill) kinds.push_back(Fault::kKilled);
  if (options_.pause) kinds.push_back(Fault::kPaused);
  if (options_.partition) kinds.push_back(Fault::kPartitioned);
  if (healthy.empty() || kinds.empty()) return;

  // Both draws happen whatever the answers, so the PRNG stream does not
  // depend on who happened to lead.
  const bool want_leader = prng_.chance(options_.prefer_leader_ppm);
  std::uint32_t target = healthy[prng_.range(0, healthy.size() - 1)];
  const Fault kind = kinds[prng_.range(0, kinds.size() - 1)];
  const std::optional<std::uint32_t> leader = cluster_.leader();
  if (want_leader && leader && state_[*leader - 1].fault == Fault::kNone) target = *leader;
  const bool was_leader = leader && *leader == target;

  State& s = state_[target - 1];
  s.until = now + draw(prng_, options_.hold_min, options_.hold_max);
  try {
    switch (kind) {
      case Fault::kKilled:
        cluster_.kill(target);
        s.fault = Fault::kKilled;
        ++counts_.kills;
        record(NemesisAction::kKill, target, was_leader, true, "");
        break;
      case Fault::kPaused:
        cluster_.pause(target);
        s.fault = Fault::kPaused;
        ++counts_.pauses;
        record(NemesisAction::kPause, target, was_leader, true, "");
        break;
      case Fault::kPartitioned: {
        s.fault = Fault::kPartitioned;
        std::string error;
        if (!sync_blocks(target, error)) {
          // Its own side failed: nothing is cut, so it is not faulty.
          s.fault = Fault::kNone;
          record(NemesisAction::kPartition, target, was_leader, false, error);
          break;
        }
        std::string others;
        for (std::uint32_t o = 1; o <= state_.size(); ++o) {
          if (o != target && reachable(o)) sync_blocks(o, others);
        }
        ++counts_.partitions;
        record(NemesisAction::kPartition, target, was_leader, true,
               others.empty() ? "" : "its own side is cut; the other side partly failed: " + others);
        break;
      }
      case Fault::kNone:
        break;
    }
  } catch (const ClusterError& e) {
    record(kind == Fault::kKilled ? NemesisAction::kKill : NemesisAction::kPause, target, was_leader, false, e.what());
  }
}

bool Nemesis::undo(std::uint32_t id) {
  State& s = state_[id - 1];
  std::string error;
  switch (s.fault) {
    case Fault::kNone:
      return true;
    case Fault::kKilled:
      try {
        cluster_.restart(id);
      } catch (const ClusterError& e) {
        record(NemesisAction::kRestart, id, false, false, e.what());
        return false;
      }
      s.fault = Fault::kNone;
      ++counts_.restarts;
      // A fresh process has an open fault switch; it may need to cut a peer
      // that is still partitioned.
      sync_blocks(id, error);
      record(NemesisAction::kRestart, id, false, true, error);
      return true;
    case Fault::kPaused:
      try {
        cluster_.resume(id);
      } catch (const ClusterError& e) {
        record(NemesisAction::kResume, id, false, false, e.what());
        return false;
      }
      s.fault = Fault::kNone;
      ++counts_.resumes;
      // Partition changes made while it was stopped did not reach it.
      sync_blocks(id, error);
      record(NemesisAction::kResume, id, false, true, error);
      return true;
    case Fault::kPartitioned: {
      s.fault = Fault::kNone;
      bool own_ok = sync_blocks(id, error);
      for (std::uint32_t o = 1; o <= state_.size(); ++o) {
        if (o != id && reachable(o)) sync_blocks(o, error);
      }
      if (!own_ok) {
        s.fault = Fault::kPartitioned;
        record(NemesisAction::kHeal, id, false, false, error);
        return false;
      }
      ++counts_.heals;
      record(NemesisAction::kHeal, id, false, true, error);
      return true;
    }
  }
  return true;
}

Clock::time_point Nemesis::step() {
  Clock::time_point now = Clock::now();
  // A replica that died without being killed is a finding, not a fault we
  // chose: log it and bring it back like a killed one.
  for (std::uint32_t id = 1; id <= state_.size(); ++id) {
    State& s = state_[id - 1];
    if (s.fault == Fault::kKilled || cluster_.is_running(id)) continue;
    ++counts_.unexpected_exits;
    record(NemesisAction::kExited, id, false, false, "end of its log:\n" + cluster_.log_tail(id, 1024));
    s.fault = Fault::kKilled;
    s.until = now;
  }
  for (std::uint32_t id = 1; id <= state_.size(); ++id) {
    State& s = state_[id - 1];
    if (s.fault != Fault::kNone && s.until <= now && !undo(id)) s.until = Clock::now() + kRetryUndo;
  }
  now = Clock::now();
  if (now >= next_fault_) {
    if (faulty() < options_.max_faulty) start_fault(now);
    next_fault_ = Clock::now() + draw(prng_, options_.gap_min, options_.gap_max);
  }
  Clock::time_point next = next_fault_;
  for (const State& s : state_) {
    if (s.fault != Fault::kNone) next = std::min(next, s.until);
  }
  return next;
}

void Nemesis::run_for(milliseconds duration) {
  const auto end = Clock::now() + duration;
  while (Clock::now() < end) {
    const auto next = std::min(step(), end);
    // At least a millisecond, so a due-but-blocked action cannot spin.
    std::this_thread::sleep_for(std::max<Clock::duration>(next - Clock::now(), milliseconds(1)));
  }
}

void Nemesis::heal_all(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (std::uint32_t id = 1; id <= state_.size(); ++id) {
    State& s = state_[id - 1];
    if (s.fault == Fault::kNone && !cluster_.is_running(id)) {
      ++counts_.unexpected_exits;
      record(NemesisAction::kExited, id, false, false, "end of its log:\n" + cluster_.log_tail(id, 1024));
      s.fault = Fault::kKilled;
    }
  }
  // Paused and killed replicas first, so that the partition heals below
  // reach every replica.
  for (std::uint32_t id = 1; id <= state_.size(); ++id) {
    State& s = state_[id - 1];
    while (s.fault == Fault::kKilled || s.fault == Fault::kPaused) {
      if (undo(id)) break;
      if (Clock::now() >= deadline) {
        throw ClusterError("heal_all: replica " + std::to_string(id) + " could not be brought back; end of its log:\n" +
                           cluster_.log_tail(id));
      }
      std::this_thread::sleep_for(kRetryUndo);
    }
  }
  for (State& s : state_) {
    if (s.fault == Fault::kPartitioned) ++counts_.heals;
    s.fault = Fault::kNone;
  }
  for (std::uint32_t id = 1; id <= state_.size(); ++id) {
    // Bounded: one attempt per replica plus retries until the deadline.
    for (std::string error; !sync_blocks(id, error); error.clear()) {
      if (Clock::now() >= deadline) {
        throw ClusterError("heal_all: replica " + std::to_string(id) + " still refuses to heal: " + error);
      }
      std::this_thread::sleep_for(kRetryUndo);
    }
  }
  record(NemesisAction::kHeal, 0, false, true, "every replica running, resumed and connected");
}

std::optional<std::uint64_t> applied_index(LocalCluster& cluster, std::uint32_t id) {
  const auto s = cluster.status(id);
  if (!s) return std::nullopt;
  try {
    return nlohmann::json::parse(s->json).at("applied_index").get<std::uint64_t>();
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool wait_until_converged(LocalCluster& cluster, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::optional<std::uint64_t> target;
  while (Clock::now() < deadline) {
    if (!target) {
      if (auto leader = cluster.leader()) {
        if (auto s = cluster.status(*leader)) target = s->commit_index;
      }
    }
    if (target) {
      bool all = true;
      for (std::uint32_t id = 1; id <= cluster.size() && all; ++id) {
        const auto a = applied_index(cluster, id);
        all = a && *a >= *target;
      }
      if (all) return true;
    }
    std::this_thread::sleep_for(kConvergePoll);
  }
  return false;
}

}  // namespace quorum::cluster
