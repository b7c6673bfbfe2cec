// Msgs: a selection of in-flight messages for a scripted log test, by type,
// sender, receiver, log position or any predicate. Anything left unset
// matches everything:
//
//   msgs("Accept").to(3)          every Accept to replica 3
//   msgs("Prepare").slot(2)       Prepares carrying op 2 (VSR) / ...
//   any_msg().from(1)             everything replica 1 sent
//
// What "slot" means is the protocol's business (Traits<P>::names_slot); the
// harness also checks the type name against the protocol's message types, so
// a misspelt type fails the test instead of silently matching nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/message.h"

namespace quorum::logtest {

class Msgs {
 public:
  using SlotFn = bool (*)(const Envelope&, std::uint64_t);

  explicit Msgs(std::string_view type = {}) : type_(type) {}
  Msgs from(std::uint32_t id) const {
    Msgs m = *this;
    m.from_ = id;
    return m;
  }
  Msgs to(std::uint32_t id) const {
    Msgs m = *this;
    m.to_ = id;
    return m;
  }
  Msgs slot(std::uint64_t slot) const {
    Msgs m = *this;
    m.slot_ = slot;
    return m;
  }
  Msgs where(std::function<bool(const Envelope&)> pred) const {
    Msgs m = *this;
    m.pred_ = std::move(pred);
    return m;
  }

  const std::string& type() const { return type_; }
  bool matches(const Envelope& e, SlotFn names_slot) const {
    return (type_.empty() || type_ == payload_name(e.payload)) && (from_ == 0 || e.from.value() == from_) &&
           (to_ == 0 || e.to.value() == to_) && (slot_ == 0 || names_slot(e, slot_)) && (!pred_ || pred_(e));
  }
  std::string to_string() const {
    return (type_.empty() ? std::string("any") : type_) + " from " + (from_ != 0 ? std::to_string(from_) : "*") +
           " to " + (to_ != 0 ? std::to_string(to_) : "*") + (slot_ != 0 ? " slot " + std::to_string(slot_) : "") +
           (pred_ ? " where ..." : "");
  }

 private:
  std::string type_;
  std::uint32_t from_ = 0;
  std::uint32_t to_ = 0;
  std::uint64_t slot_ = 0;
  std::function<bool(const Envelope&)> pred_;
};

inline Msgs msgs(std::string_view type) { return Msgs(type); }
inline Msgs any_msg() { return Msgs(); }

}  // namespace quorum::logtest
