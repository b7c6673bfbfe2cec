// Writes the seed corpus for resp_fuzz: request streams (RESP arrays,
// pipelines, inline commands with quoting, the empty and null arrays Redis
// skips) and one encoded reply of every kind, nested arrays included. All of
// it comes from the real encoders, so the seeds stay valid if the encoding
// changes. Each file is the fuzz target's mode byte followed by the stream:
// every stream is written with default and with tiny limits, and once more
// with a chunking seed, so each parser starts from both limit sets.
//
//   resp_seeds DIR
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "server/resp.h"

namespace {

using quorum::smr::Reply;
namespace server = quorum::server;

std::vector<std::pair<std::string, std::string>> request_streams() {
  const std::string binary("v\0\r\n\xff", 5);
  return {
      {"ping", server::encode_command({"PING"})},
      {"set", server::encode_command({"SET", "key", "value"})},
      {"set-binary", server::encode_command({"SET", binary, binary})},
      {"mget", server::encode_command({"MGET", "a", "b", "c", "", "d"})},
      {"pipeline", server::encode_command({"INCR", "n"}) + server::encode_command({"GET", "n"}) +
                       server::encode_command({"DEL", "n"})},
      {"empty-arrays", "*0\r\n*-1\r\n" + server::encode_command({"EXISTS", "k"})},
      {"inline", "SET a b\r\nGET a\n\r\n\nPING\r\n"},
      {"inline-quotes", "SET \"a b\\x41\\n\" 'c\\'d' e\"f\"g\r\n"},
      {"mixed", "PING\r\n" + server::encode_command({"GET", "k"}) + "DEL k\n"},
  };
}

std::vector<std::pair<std::string, std::string>> reply_streams() {
  const Reply nested = Reply::array({Reply::integer(1),
                                     Reply::array({Reply::bulk("x"), Reply::nil(),
                                                   Reply::array({Reply::array({})})}),
                                     Reply::error("NOQUORUM not enough replicas")});
  return {
      {"status", server::encode_reply(Reply::ok())},
      {"error", server::encode_reply(Reply::error("ERR unknown command 'FOO'"))},
      {"integers", server::encode_reply(Reply::integer(0)) + server::encode_reply(Reply::integer(-42)) +
                       server::encode_reply(Reply::integer(std::numeric_limits<std::int64_t>::min()))},
      {"bulk", server::encode_reply(Reply::bulk(std::string("a\0\r\nb", 5)))},
      {"nil", server::encode_reply(Reply::nil()) + "*-1\r\n"},
      {"mget", server::encode_reply(Reply::array({Reply::bulk("1"), Reply::nil(), Reply::bulk("")}))},
      {"nested", server::encode_reply(nested)},
  };
}

bool write_seed(const std::filesystem::path& path, char mode, const std::string& stream) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.put(mode);
  out.write(stream.data(), static_cast<std::streamsize>(stream.size()));
  if (!out) std::fprintf(stderr, "resp_seeds: cannot write %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  std::filesystem::create_directories(dir);

  int n = 0;
  // Mode bits: 1 = reply parser, 2 = tiny limits, the rest seed the chunking.
  for (const auto& [streams, parser_bit] :
       {std::pair{request_streams(), 0}, std::pair{reply_streams(), 1}}) {
    for (const auto& [name, stream] : streams) {
      for (int mode : {parser_bit, parser_bit | 2, parser_bit | (7 << 2)}) {
        const auto path = dir / ("seed-" + std::string(parser_bit ? "reply-" : "request-") + name +
                                 "-mode" + std::to_string(mode));
        if (!write_seed(path, static_cast<char>(mode), stream)) return 1;
      }
      ++n;
    }
  }
  std::printf("resp_seeds: wrote %d streams (3 modes each) to %s\n", n, dir.c_str());
  return 0;
}
