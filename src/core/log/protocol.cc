#include "core/log/protocol.h"

namespace quorum::log {

const char* role_name(Role r) {
  switch (r) {
    case Role::kFollower:
      return "follower";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
    case Role::kCatchingUp:
      return "catching-up";
  }
  return "?";
}

}  // namespace quorum::log
