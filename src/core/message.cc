#include "core/message.h"

namespace quorum {
namespace {

std::string show_value(const Value& v) {
  constexpr std::size_t kShown = 24;
  if (v.size() <= kShown) return "\"" + v + "\"";
  return "\"" + v.substr(0, kShown) + "...\"(" + std::to_string(v.size()) + "B)";
}

}  // namespace

const char* payload_name(const Payload& p) {
  return std::visit(Overloaded{
                        [](const paxos::Prepare&) { return "Prepare"; },
                        [](const paxos::Promise&) { return "Promise"; },
                        [](const paxos::Accept&) { return "Accept"; },
                        [](const paxos::Accepted&) { return "Accepted"; },
                        [](const paxos::Nack&) { return "Nack"; },
                        [](const paxos::LearnQuery&) { return "LearnQuery"; },
                        [](const paxos::Decided&) { return "Decided"; },
                    },
                    p);
}

std::string describe(const Envelope& e) {
  std::string body = std::visit(
      Overloaded{
          [](const paxos::Prepare& m) { return "Prepare(" + m.ballot.to_string() + ")"; },
          [](const paxos::Promise& m) {
            std::string acc = m.accepted ? m.accepted->ballot.to_string() + ":" +
                                               show_value(m.accepted->value)
                                         : "none";
            return "Promise(" + m.ballot.to_string() + ", accepted=" + acc + ")";
          },
          [](const paxos::Accept& m) {
            return "Accept(" + m.ballot.to_string() + ", " + show_value(m.value) + ")";
          },
          [](const paxos::Accepted& m) {
            return "Accepted(" + m.ballot.to_string() + ", " + show_value(m.value) + ")";
          },
          [](const paxos::Nack& m) {
            return "Nack(" + m.ballot.to_string() + ", promised=" + m.promised.to_string() +
                   ")";
          },
          [](const paxos::LearnQuery&) { return std::string("LearnQuery"); },
          [](const paxos::Decided& m) { return "Decided(" + show_value(m.value) + ")"; },
      },
      e.payload);
  return e.from.to_string() + "->" + e.to.to_string() + " " + body;
}

}  // namespace quorum
