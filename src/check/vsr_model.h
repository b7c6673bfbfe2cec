// Model of a small VSR cluster for the explorer: the real vsr::Replica cores,
// a MessagePool (any message delivered any number of times, in any order),
// writes durable at once, and bounded view changes, commands and
// crash-restarts.
//
// Actions: a replica's view-change timer fires (while the next view is below
// `views`); the primary is given a client command (each of `commands` once);
// the primary's heartbeat fires (Commit to every backup); a replica waiting
// for state transfer asks again; a message is delivered; a replica crashes
// and restarts from its durable records.
//
// Invariants, after every action (the cores assert their own as well):
//   CommittedOpsNeverChange  no op is ever output as committed with two
//                            values, by any replica in any incarnation
//   LogMatchesCommitted      a replica whose log is from the newest view any
//                            replica has been normal in holds every committed
//                            op it has with the committed value
//   AppliedInLogOrder        each replica applies ops as 1, 2, 3, ... (the
//                            host's own check)
//   Validity                 committed ops hold only commands a client sent
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "check/effect_memo.h"
#include "check/log_model.h"
#include "check/message_pool.h"
#include "vsr/protocol.h"

namespace quorum::check {

struct VsrModelOptions {
  std::uint32_t replicas = 3;
  std::uint32_t commands = 2;  // "c1", "c2", ... each submitted once
  std::uint32_t views = 2;     // view changes reach views 0..views-1
  std::uint32_t crashes = 0;
  bool heartbeats = true;
  vsr::Bugs bugs;
};

class VsrModel {
 public:
  using Box = LogBox<vsr::Protocol>;
  struct Ghosts {
    std::map<std::uint64_t, std::vector<Value>> committed;  // op -> value
    Fingerprint fingerprint;
  };
  struct State {
    std::vector<std::shared_ptr<const Box>> replicas;  // id - 1
    MessagePool network;
    std::uint32_t submitted = 0;  // bit k: command k+1 was given to a primary
    std::uint32_t crashes_left = 0;
    std::shared_ptr<const Ghosts> ghosts;
  };
  enum class Kind : std::uint8_t { kNone, kViewChange, kSubmit, kHeartbeat, kTransfer, kDeliver, kCrash };
  struct Action {
    Kind kind = Kind::kNone;
    std::uint8_t replica = 0;
    std::uint8_t command = 0;
    std::uint32_t message = 0;
    bool operator==(const Action&) const = default;
    std::uint64_t key() const {
      return static_cast<std::uint64_t>(kind) | std::uint64_t{replica} << 8 |
             std::uint64_t{command} << 16 | std::uint64_t{message} << 24;
    }
  };

  explicit VsrModel(VsrModelOptions options);

  State initial() const;
  void actions(const State& s, std::vector<Action>& out) const;
  State apply(const State& s, Action a) const;
  void check(const State& s) const;
  Fingerprint fingerprint(const State& s) const;
  std::string describe(const State& before, Action a) const;
  std::string summary(const State& s) const;

  static Value command(std::uint32_t k) { return model_command(k); }

 private:
  struct Effect {
    std::shared_ptr<const Box> box;
    LogEffect<vsr::Protocol> what;
  };
  const Effect& effect(const Box& before, Action a) const;
  Effect compute_effect(const Box& before, Action a) const;
  host::HostConfig<vsr::Protocol> config_for(std::uint32_t id) const;
  static void seal(Ghosts& g);

  VsrModelOptions options_;
  mutable MessageTable messages_;
  mutable EffectMemo<Action, Effect> effects_;
};

}  // namespace quorum::check
