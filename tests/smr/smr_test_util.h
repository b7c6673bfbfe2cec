// Shared helpers for the smr tests: readable printing and rapidcheck
// generators for commands and requests.
#pragma once

#include <rapidcheck.h>

#include <cstdint>
#include <map>
#include <tuple>
#include <ostream>
#include <string>
#include <vector>

#include "smr/client_table.h"
#include "smr/command.h"
#include "smr/reply.h"

namespace quorum::smr {

inline void PrintTo(const ClientRequest& r, std::ostream* os) { *os << describe(r); }
inline void showValue(const ClientRequest& r, std::ostream& os) { os << describe(r); }
inline void showValue(const Reply& r, std::ostream& os) { os << r.to_string(); }

}  // namespace quorum::smr

namespace quorum::smr::test {

// Any argument: mostly short, any byte (NUL included), sometimes a few KiB.
inline rc::Gen<std::string> gen_arg() {
  using namespace rc;
  return gen::weightedOneOf<std::string>({
      {8, gen::arbitrary<std::string>()},
      {1, gen::mapcat(gen::inRange<std::size_t>(0, 4097),
                      [](std::size_t n) { return gen::container<std::string>(n, gen::arbitrary<char>()); })},
  });
}

// An encodable command (1..kMaxCommandArgs arguments, mostly few).
inline rc::Gen<Command> gen_command() {
  using namespace rc;
  return gen::weightedOneOf<Command>({
      {10, gen::mapcat(gen::inRange<std::size_t>(1, 6),
                       [](std::size_t n) { return gen::container<Command>(n, gen_arg()); })},
      {1, gen::mapcat(gen::inRange<std::size_t>(1, kMaxCommandArgs + 1),
                      [](std::size_t n) {
                        return gen::container<Command>(n, gen::container<std::string>(gen::arbitrary<char>()));
                      })},
  });
}

inline rc::Gen<std::uint64_t> gen_u64() {
  using namespace rc;
  return gen::weightedOneOf<std::uint64_t>({
      {3, gen::inRange<std::uint64_t>(0, 300)},
      {1, gen::arbitrary<std::uint64_t>()},
      {1, gen::element<std::uint64_t>(0, 127, 128, 16383, 16384, ~std::uint64_t{0}, std::uint64_t{1} << 63)},
  });
}

inline rc::Gen<ClientRequest> gen_request() {
  using namespace rc;
  return gen::build<ClientRequest>(gen::set(&ClientRequest::client_id, gen_u64()),
                                   gen::set(&ClientRequest::request_no, gen_u64()),
                                   gen::set(&ClientRequest::command, gen_command()));
}

// A small KV workload over few keys, so commands interact: SET/GET/DEL/INCR/
// EXISTS/MGET with random case, occasional bad arity and unknown commands.
inline rc::Gen<Command> gen_kv_command() {
  using namespace rc;
  const auto key = gen::element<std::string>("a", "b", "c", "counter", "");
  const auto value = gen::element<std::string>("1", "x", "-5", "9223372036854775806", "");
  return gen::oneOf(
      gen::map(gen::tuple(gen::element<std::string>("SET", "set", "SeT"), key, value,
                          gen::element<std::string>("", "NX", "xx", "EX")),
               [](const auto& t) {
                 Command c{std::get<0>(t), std::get<1>(t), std::get<2>(t)};
                 if (!std::get<3>(t).empty()) c.push_back(std::get<3>(t));
                 return c;
               }),
      gen::map(key, [](const std::string& k) { return Command{"GET", k}; }),
      gen::map(key, [](const std::string& k) { return Command{"incr", k}; }),
      gen::map(gen::pair(key, key), [](const auto& p) { return Command{"DEL", p.first, p.second}; }),
      gen::map(gen::pair(key, key), [](const auto& p) { return Command{"EXISTS", p.first, p.second}; }),
      gen::map(gen::pair(key, key), [](const auto& p) { return Command{"MGET", p.first, p.second}; }),
      gen::element(Command{"GET"}, Command{"PING"}, Command{"INCR", "a", "b"}));
}

// Requests from a few clients whose numbers mostly advance, sometimes repeat
// (a retry) or go back (a stale duplicate), with the log index they were
// committed at (non-decreasing).
struct Step {
  ClientRequest request;
  std::uint64_t log_index;
};

inline rc::Gen<std::vector<Step>> gen_history(std::uint64_t clients) {
  using namespace rc;
  return gen::map(
      gen::container<std::vector<std::tuple<std::uint64_t, int, Command, bool>>>(
          gen::tuple(gen::inRange<std::uint64_t>(0, clients + 1), gen::inRange(-1, 3), gen_kv_command(),
                     gen::arbitrary<bool>())),
      [](const std::vector<std::tuple<std::uint64_t, int, Command, bool>>& raw) {
        std::vector<Step> steps;
        std::map<std::uint64_t, std::uint64_t> next;  // client -> last used request number
        std::uint64_t index = 1;
        for (const auto& [client, delta, command, same_slot] : raw) {
          if (!same_slot) ++index;
          std::uint64_t& last = next[client];
          std::uint64_t no = last;
          if (delta > 0 || last == 0) {
            no = last + 1;  // mostly the next request
          } else if (delta < 0 && last > 1) {
            no = last - 1;  // a stale duplicate
          }
          last = no > last ? no : last;
          steps.push_back(Step{ClientRequest{client, no, command}, index});
        }
        return steps;
      });
}

}  // namespace quorum::smr::test
