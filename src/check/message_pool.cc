#include "check/message_pool.h"

#include <algorithm>

#include "core/codec.h"

namespace quorum::check {

std::uint32_t MessageTable::intern(Envelope e) {
  std::string key = encode_frame(e);
  auto [it, fresh] = ids_.emplace(std::move(key), static_cast<std::uint32_t>(entries_.size()));
  if (fresh) {
    StateDigest d;
    d.add(it->first);
    entries_.push_back(Entry{std::move(e), d.finish()});
  }
  return it->second;
}

void MessagePool::send(std::uint32_t id, const MessageTable& table) {
  auto at = std::lower_bound(ids_.begin(), ids_.end(), id);
  if (at != ids_.end() && *at == id) return;
  ids_.insert(at, id);
  const Fingerprint& f = table.fingerprint(id);
  sum_.hi += f.hi;
  sum_.lo += f.lo;
}

void MessagePool::digest(StateDigest& d) const {
  d.add(ids_.size());
  d.add(sum_.hi);
  d.add(sum_.lo);
}

}  // namespace quorum::check
