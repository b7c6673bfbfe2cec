// Writes the seed corpus for codec_fuzz: one valid frame per message type
// (so the fuzzer starts from every branch of the decoder), plus richer
// instances with optional and repeated fields filled in. Each file is the
// fuzz target's mode byte followed by the frame: the valid frames are written
// once untouched (mode 0) and once with length and CRC repair (mode 3), the
// starting point for mutating bodies.
//
//   codec_seeds DIR
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "core/codec.h"

namespace {

using namespace quorum;

Ballot B(std::uint64_t round, std::uint32_t node) { return Ballot{round, NodeId{node}}; }

// A default-constructed instance of every alternative: covers a message type
// added to Payload later without anyone remembering to add a seed for it.
template <std::size_t... I>
std::vector<Payload> every_type(std::index_sequence<I...>) {
  return {Payload(std::in_place_index<I>)...};
}

std::vector<Payload> richer_payloads() {
  using log::Batch;
  return {
      paxos::Prepare{B(3, 2)},
      paxos::Promise{B(4, 1), Proposal{B(2, 3), "set x 1"}},
      paxos::Accept{B(5, 64), std::string("\0binary\xff", 8)},
      paxos::Accepted{B(1ull << 40, 7), std::string(600, 'a')},
      paxos::Nack{B(1, 1), B(9, 2)},
      paxos::Decided{"decided value"},
      multipaxos::Prepare{.ballot = B(2, 1), .from_slot = Slot{17}},
      multipaxos::Promise{.ballot = B(2, 1),
                          .commit = Slot{3},
                          .chosen = {{.slot = Slot{3}, .value = Batch{{"c"}}}},
                          .votes = {{.slot = Slot{4}, .ballot = B(1, 2), .value = {{"a", "bb"}}},
                                    {.slot = Slot{5}, .ballot = B(1, 3), .value = {}}},
                          .compacted = Slot{2}},
      multipaxos::Accept{.ballot = B(2, 1),
                         .entries = {{.slot = Slot{6}, .value = Batch{{"put k v"}}},
                                     {.slot = Slot{7}, .value = Batch{}}},
                         .commit = Slot{5}},
      multipaxos::Accepted{.ballot = B(2, 1), .slots = {Slot{6}, Slot{7}}, .commit = Slot{5}},
      multipaxos::CatchUpReply{.chosen = {{.slot = Slot{1}, .value = Batch{{"x"}}},
                                          {.slot = Slot{2}, .value = Batch{{"y", "z"}}}},
                               .commit = Slot{2}},
      log::SnapshotRequest{.index = Slot{40}, .offset = 1024},
      log::SnapshotChunk{
          .index = Slot{40}, .offset = 4, .total = 12, .data = "snapshot", .commit = Slot{41}},
      vsr::Prepare{.view = vsr::View{3},
                   .entries = {{.slot = Slot{8}, .value = Batch{{"set a 1"}}}, {.slot = Slot{9}, .value = {}}},
                   .commit = Slot{7}},
      vsr::PrepareOk{.view = vsr::View{3}, .op = Slot{9}},
      vsr::Commit{.view = vsr::View{3}, .commit = Slot{9}},
      vsr::StartViewChange{.view = vsr::View{4}},
      vsr::DoViewChange{.view = vsr::View{4},
                        .log_view = vsr::View{3},
                        .op = Slot{9},
                        .commit = Slot{8},
                        .suffix = {{.slot = Slot{9}, .value = Batch{{"x"}}}}},
      vsr::StartView{.view = vsr::View{4},
                     .base = Slot{7},
                     .entries = {{.slot = Slot{8}, .value = Batch{{"y"}}}, {.slot = Slot{9}, .value = {}}},
                     .op = Slot{9},
                     .commit = Slot{8}},
      vsr::GetState{.view = vsr::View{4}, .op = Slot{5}},
      vsr::NewState{.view = vsr::View{4},
                    .base = Slot{5},
                    .entries = {{.slot = Slot{6}, .value = Batch{{"z"}}}},
                    .op = Slot{9},
                    .commit = Slot{6},
                    .committed_only = true},
      Forward{.commands = {"SET k v", std::string(3, '\0')}},
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  std::vector<Payload> payloads =
      every_type(std::make_index_sequence<std::variant_size_v<Payload>>{});
  for (Payload& p : richer_payloads()) payloads.push_back(std::move(p));

  int n = 0;
  for (const Payload& p : payloads) {
    // A Prepare carries at least one op: the default one is not a message.
    if (const auto* prep = std::get_if<vsr::Prepare>(&p); prep != nullptr && prep->entries.empty()) continue;
    const Envelope e{NodeId{1}, NodeId{static_cast<std::uint32_t>(n % 64 + 1)}, p};
    const std::string frame = encode_frame(e);
    for (char mode : {'\0', '\3'}) {
      const auto path = dir / ("seed-" + std::to_string(n) + "-" + payload_name(p) + "-mode" +
                               std::to_string(static_cast<int>(mode)));
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.put(mode);
      out.write(frame.data(), static_cast<std::streamsize>(frame.size()));
      if (!out) {
        std::fprintf(stderr, "codec_seeds: cannot write %s\n", path.c_str());
        return 1;
      }
    }
    ++n;
  }
  std::printf("codec_seeds: wrote %d frames (2 modes each) to %s\n", n, dir.c_str());
  return 0;
}
