#include "vsr/config.h"

namespace quorum::vsr {

const std::vector<std::string>& bug_names() {
  static const std::vector<std::string> names = {"dvc-single-message", "no-log-merge", "accept-gap"};
  return names;
}

std::optional<Bugs> bugs_from_name(std::string_view name) {
  Bugs b;
  if (name == "dvc-single-message") {
    b.dvc_single_message = true;
  } else if (name == "no-log-merge") {
    b.no_log_merge = true;
  } else if (name == "accept-gap") {
    b.accept_gap = true;
  } else {
    return std::nullopt;
  }
  return b;
}

}  // namespace quorum::vsr
