// Readable failure output: without these, GoogleTest prints an Envelope as a
// hex dump and rapidcheck shows counterexamples as "<\?\?\?>".
#pragma once

#include <ostream>
#include <type_traits>

#include "core/codec.h"
#include "core/message.h"

namespace quorum {

inline void PrintTo(const Envelope& e, std::ostream* os) { *os << describe(e); }
inline void PrintTo(const Ballot& b, std::ostream* os) { *os << b.to_string(); }
inline void PrintTo(DecodeErrorKind k, std::ostream* os) { *os << decode_error_name(k); }

inline void showValue(const Envelope& e, std::ostream& os) { os << describe(e); }
inline void showValue(const Ballot& b, std::ostream& os) { os << b.to_string(); }
inline void showValue(const NodeId& n, std::ostream& os) { os << n.to_string(); }

// Any single message is shown as it would be inside an envelope. rapidcheck
// finds showValue by argument-dependent lookup, hence one per namespace.
template <typename M>
concept PayloadAlternative = std::is_constructible_v<Payload, M>;

namespace paxos {
template <PayloadAlternative M>
void showValue(const M& m, std::ostream& os) {
  os << describe(Envelope{NodeId{1}, NodeId{1}, m});
}
}  // namespace paxos

namespace multipaxos {
template <PayloadAlternative M>
void showValue(const M& m, std::ostream& os) {
  os << describe(Envelope{NodeId{1}, NodeId{1}, m});
}
}  // namespace multipaxos

namespace vsr {
template <PayloadAlternative M>
void showValue(const M& m, std::ostream& os) {
  os << describe(Envelope{NodeId{1}, NodeId{1}, m});
}
}  // namespace vsr

}  // namespace quorum
