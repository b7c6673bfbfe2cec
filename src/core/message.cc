#include "core/message.h"

namespace quorum {
namespace {

std::string show_value(const Value& v) {
  constexpr std::size_t kShown = 24;
  if (v.size() <= kShown) return "\"" + v + "\"";
  return "\"" + v.substr(0, kShown) + "...\"(" + std::to_string(v.size()) + "B)";
}

std::string show_view(vsr::View v) { return "v" + v.to_string(); }

// VSR runs are consecutive (the decoder checks it), so their ends say it all.
std::string show_ops(Slot base, const std::vector<log::SlotValue>& entries) {
  if (entries.empty()) return "no ops after " + base.to_string();
  if (entries.size() == 1) return "op " + entries.front().slot.to_string();
  return "ops " + entries.front().slot.to_string() + ".." + entries.back().slot.to_string();
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
                        [](const multipaxos::Prepare&) { return "Prepare"; },
                        [](const multipaxos::Promise&) { return "Promise"; },
                        [](const multipaxos::Accept&) { return "Accept"; },
                        [](const multipaxos::Accepted&) { return "Accepted"; },
                        [](const multipaxos::Nack&) { return "Nack"; },
                        [](const multipaxos::Heartbeat&) { return "Heartbeat"; },
                        [](const multipaxos::HeartbeatReply&) { return "HeartbeatReply"; },
                        [](const multipaxos::CatchUpRequest&) { return "CatchUpRequest"; },
                        [](const multipaxos::CatchUpReply&) { return "CatchUpReply"; },
                        [](const log::SnapshotRequest&) { return "SnapshotRequest"; },
                        [](const log::SnapshotChunk&) { return "SnapshotChunk"; },
                        [](const vsr::Prepare&) { return "Prepare"; },
                        [](const vsr::PrepareOk&) { return "PrepareOk"; },
                        [](const vsr::Commit&) { return "Commit"; },
                        [](const vsr::StartViewChange&) { return "StartViewChange"; },
                        [](const vsr::DoViewChange&) { return "DoViewChange"; },
                        [](const vsr::StartView&) { return "StartView"; },
                        [](const vsr::GetState&) { return "GetState"; },
                        [](const vsr::NewState&) { return "NewState"; },
                        [](const Forward&) { return "Forward"; },
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
          [](const multipaxos::Prepare& m) {
            return "Prepare(" + m.ballot.to_string() + ", from=" + m.from_slot.to_string() + ")";
          },
          [](const multipaxos::Promise& m) {
            return "Promise(" + m.ballot.to_string() + ", commit=" + m.commit.to_string() +
                   ", chosen=" + std::to_string(m.chosen.size()) +
                   ", votes=" + std::to_string(m.votes.size()) +
                   (m.compacted.value() != 0 ? ", compacted=" + m.compacted.to_string() : "") + ")";
          },
          [](const multipaxos::Accept& m) {
            std::string slots;
            for (const auto& entry : m.entries) {
              slots += (slots.empty() ? "" : ",") + entry.slot.to_string() + ":" +
                       std::to_string(entry.value.commands.size()) + "cmd";
            }
            return "Accept(" + m.ballot.to_string() + ", [" + slots + "], commit=" +
                   m.commit.to_string() + ")";
          },
          [](const multipaxos::Accepted& m) {
            std::string slots;
            for (Slot s : m.slots) slots += (slots.empty() ? "" : ",") + s.to_string();
            return "Accepted(" + m.ballot.to_string() + ", [" + slots + "], commit=" +
                   m.commit.to_string() + ")";
          },
          [](const multipaxos::Nack& m) {
            return "Nack(" + m.ballot.to_string() + ", promised=" + m.promised.to_string() + ")";
          },
          [](const multipaxos::Heartbeat& m) {
            return "Heartbeat(" + m.ballot.to_string() + ", commit=" + m.commit.to_string() + ")";
          },
          [](const multipaxos::HeartbeatReply& m) {
            return "HeartbeatReply(" + m.ballot.to_string() + ", commit=" + m.commit.to_string() + ")";
          },
          [](const multipaxos::CatchUpRequest& m) {
            return "CatchUpRequest(from=" + m.from_slot.to_string() + ")";
          },
          [](const multipaxos::CatchUpReply& m) {
            return "CatchUpReply(" + std::to_string(m.chosen.size()) + " slots, commit=" +
                   m.commit.to_string() + ")";
          },
          [](const log::SnapshotRequest& m) {
            return "SnapshotRequest(index=" + m.index.to_string() + ", offset=" + std::to_string(m.offset) + ")";
          },
          [](const log::SnapshotChunk& m) {
            return "SnapshotChunk(index=" + m.index.to_string() + ", bytes " + std::to_string(m.offset) + ".." +
                   std::to_string(m.offset + m.data.size()) + " of " + std::to_string(m.total) +
                   ", commit=" + m.commit.to_string() + ")";
          },
          [](const vsr::Prepare& m) {
            const Slot before = m.entries.empty() ? Slot{0} : Slot{m.entries.front().slot.value() - 1};
            return "Prepare(" + show_view(m.view) + ", " + show_ops(before, m.entries) +
                   ", commit=" + m.commit.to_string() + ")";
          },
          [](const vsr::PrepareOk& m) {
            return "PrepareOk(" + show_view(m.view) + ", op=" + m.op.to_string() + ")";
          },
          [](const vsr::Commit& m) {
            return "Commit(" + show_view(m.view) + ", commit=" + m.commit.to_string() + ")";
          },
          [](const vsr::StartViewChange& m) { return "StartViewChange(" + show_view(m.view) + ")"; },
          // The suffix is ops commit+1..op, so op and commit describe it.
          [](const vsr::DoViewChange& m) {
            return "DoViewChange(" + show_view(m.view) + ", log_view=" + show_view(m.log_view) +
                   ", op=" + m.op.to_string() + ", commit=" + m.commit.to_string() + ")";
          },
          [](const vsr::StartView& m) {
            return "StartView(" + show_view(m.view) + ", " + show_ops(m.base, m.entries) +
                   ", op=" + m.op.to_string() + ", commit=" + m.commit.to_string() + ")";
          },
          [](const vsr::GetState& m) {
            return "GetState(" + show_view(m.view) + ", after=" + m.op.to_string() + ")";
          },
          [](const vsr::NewState& m) {
            return "NewState(" + show_view(m.view) + ", " + show_ops(m.base, m.entries) +
                   ", op=" + m.op.to_string() + ", commit=" + m.commit.to_string() +
                   (m.committed_only ? ", committed only" : "") + ")";
          },
          [](const Forward& m) { return "Forward(" + std::to_string(m.commands.size()) + " commands)"; },
      },
      e.payload);
  return e.from.to_string() + "->" + e.to.to_string() + " " + body;
}

}  // namespace quorum
