#include "smr/kv_store.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/limits.h"
#include "smr_test_util.h"

namespace quorum::smr {
namespace {

Reply E(std::string text) { return Reply::error(std::move(text)); }
Reply I(std::int64_t v) { return Reply::integer(v); }
Reply B(std::string v) { return Reply::bulk(std::move(v)); }
Reply A(std::vector<Reply> v) { return Reply::array(std::move(v)); }
const Reply kOk = Reply::ok();
const Reply kNil = Reply::nil();

struct Case {
  const char* name;
  std::vector<Command> setup;  // applied first; their replies are not checked
  Command command;
  Reply want;
};

// Each case runs on a fresh store. Expected replies follow Redis 7.
const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // GET
      {"get missing", {}, {"GET", "k"}, kNil},
      {"get present", {{"SET", "k", "v"}}, {"GET", "k"}, B("v")},
      {"get lower case", {{"SET", "k", "v"}}, {"get", "k"}, B("v")},
      {"get mixed case", {{"SET", "k", "v"}}, {"gEt", "k"}, B("v")},
      {"get binary key and value", {{"SET", std::string("\0k", 2), std::string("v\0\r\n", 4)}},
       {"GET", std::string("\0k", 2)}, B(std::string("v\0\r\n", 4))},
      {"get keys are case-sensitive", {{"SET", "k", "v"}}, {"GET", "K"}, kNil},
      {"get empty key", {{"SET", "", "e"}}, {"GET", ""}, B("e")},
      {"get arity 1", {}, {"GET"}, E("ERR wrong number of arguments for 'get' command")},
      {"get arity 3", {}, {"get", "a", "b"}, E("ERR wrong number of arguments for 'get' command")},
      // SET
      {"set", {}, {"SET", "k", "v"}, kOk},
      {"set overwrites", {{"SET", "k", "v"}}, {"SET", "k", "w"}, kOk},
      {"set empty value", {}, {"set", "k", ""}, kOk},
      {"set nx missing", {}, {"SET", "k", "v", "NX"}, kOk},
      {"set nx present", {{"SET", "k", "v"}}, {"SET", "k", "w", "NX"}, kNil},
      {"set nx lower case", {{"SET", "k", "v"}}, {"SET", "k", "w", "nx"}, kNil},
      {"set xx missing", {}, {"SET", "k", "v", "XX"}, kNil},
      {"set xx present", {{"SET", "k", "v"}}, {"SET", "k", "w", "xX"}, kOk},
      {"set nx nx", {}, {"SET", "k", "v", "NX", "nx"}, kOk},
      {"set nx xx", {}, {"SET", "k", "v", "NX", "XX"}, E("ERR syntax error")},
      {"set xx nx", {}, {"SET", "k", "v", "xx", "nx"}, E("ERR syntax error")},
      {"set unknown option", {}, {"SET", "k", "v", "FOO"}, E("ERR syntax error")},
      {"set ex unsupported", {}, {"SET", "k", "v", "EX", "10"}, E("ERR syntax error")},
      {"set get unsupported", {}, {"SET", "k", "v", "GET"}, E("ERR syntax error")},
      {"set arity 1", {}, {"SET"}, E("ERR wrong number of arguments for 'set' command")},
      {"set arity 2", {}, {"SET", "k"}, E("ERR wrong number of arguments for 'set' command")},
      // DEL
      {"del missing", {}, {"DEL", "k"}, I(0)},
      {"del present", {{"SET", "k", "v"}}, {"DEL", "k"}, I(1)},
      {"del many", {{"SET", "a", "1"}, {"SET", "b", "2"}}, {"del", "a", "b", "c"}, I(2)},
      {"del repeated key counts once", {{"SET", "a", "1"}}, {"DEL", "a", "a"}, I(1)},
      {"del arity", {}, {"DEL"}, E("ERR wrong number of arguments for 'del' command")},
      // EXISTS
      {"exists missing", {}, {"EXISTS", "k"}, I(0)},
      {"exists present", {{"SET", "k", "v"}}, {"exists", "k"}, I(1)},
      {"exists counts repeats", {{"SET", "k", "v"}}, {"EXISTS", "k", "k", "x", "k"}, I(3)},
      {"exists after del", {{"SET", "k", "v"}, {"DEL", "k"}}, {"EXISTS", "k"}, I(0)},
      {"exists arity", {}, {"EXISTS"}, E("ERR wrong number of arguments for 'exists' command")},
      // INCR
      {"incr missing", {}, {"INCR", "n"}, I(1)},
      {"incr present", {{"SET", "n", "41"}}, {"incr", "n"}, I(42)},
      {"incr negative", {{"SET", "n", "-1"}}, {"INCR", "n"}, I(0)},
      {"incr zero", {{"SET", "n", "0"}}, {"INCR", "n"}, I(1)},
      {"incr twice", {{"INCR", "n"}}, {"INCR", "n"}, I(2)},
      {"incr min", {{"SET", "n", "-9223372036854775808"}}, {"INCR", "n"}, I(-9223372036854775807)},
      {"incr to max", {{"SET", "n", "9223372036854775806"}}, {"INCR", "n"}, I(9223372036854775807)},
      {"incr overflow", {{"SET", "n", "9223372036854775807"}}, {"INCR", "n"},
       E("ERR increment or decrement would overflow")},
      {"incr out of range", {{"SET", "n", "9223372036854775808"}}, {"INCR", "n"},
       E("ERR value is not an integer or out of range")},
      {"incr below range", {{"SET", "n", "-9223372036854775809"}}, {"INCR", "n"},
       E("ERR value is not an integer or out of range")},
      {"incr text", {{"SET", "n", "abc"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr empty", {{"SET", "n", ""}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr float", {{"SET", "n", "1.5"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr plus sign", {{"SET", "n", "+1"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr leading zero", {{"SET", "n", "01"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr minus zero", {{"SET", "n", "-0"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr lone minus", {{"SET", "n", "-"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr spaces", {{"SET", "n", " 1"}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr trailing space", {{"SET", "n", "1 "}}, {"INCR", "n"}, E("ERR value is not an integer or out of range")},
      {"incr nul", {{"SET", "n", std::string("1\0", 2)}}, {"INCR", "n"},
       E("ERR value is not an integer or out of range")},
      {"incr arity 1", {}, {"INCR"}, E("ERR wrong number of arguments for 'incr' command")},
      {"incr arity 3", {}, {"INCR", "a", "b"}, E("ERR wrong number of arguments for 'incr' command")},
      // MGET
      {"mget", {{"SET", "a", "1"}, {"SET", "c", "3"}}, {"MGET", "a", "b", "c", "a"},
       A({B("1"), kNil, B("3"), B("1")})},
      {"mget single missing", {}, {"mget", "x"}, A({kNil})},
      {"mget arity", {}, {"MGET"}, E("ERR wrong number of arguments for 'mget' command")},
      // Unknown and malformed commands
      {"unknown", {}, {"FOO"}, E("ERR unknown command 'FOO'")},
      {"unknown keeps case", {}, {"fOo", "a"}, E("ERR unknown command 'fOo'")},
      {"ping is not a kv command", {}, {"PING"}, E("ERR unknown command 'PING'")},
      {"unknown name with line break", {}, {"a\r\nb"}, E("ERR unknown command 'a  b'")},
      {"unknown long name truncated", {}, {std::string(300, 'z')}, E("ERR unknown command '" + std::string(128, 'z') + "'")},
      {"empty command", {}, {}, E("ERR empty command")},
      {"argument too long", {}, {"SET", "k", std::string(limits::kMaxValueBytes + 1, 'v')},
       E("ERR argument too long (1048577 bytes, the limit is 1048576)")},
      {"too many arguments", {}, Command(kMaxCommandArgs + 1, "EXISTS"), E("ERR too many arguments (1025, the limit is 1024)")},
  };
  return kCases;
}

TEST(KvStore, RedisSemanticsTable) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    KvStore kv;
    for (const auto& s : c.setup) kv.apply(s);
    EXPECT_EQ(kv.apply(c.command), c.want);
  }
}

TEST(KvStore, StateAfterCommands) {
  KvStore kv;
  EXPECT_EQ(kv.apply({"SET", "k", "v"}), kOk);
  EXPECT_EQ(kv.get("k"), "v");
  EXPECT_EQ(kv.apply({"SET", "k", "w", "NX"}), kNil);
  EXPECT_EQ(kv.get("k"), "v");  // NX did not overwrite
  EXPECT_EQ(kv.apply({"SET", "x", "w", "XX"}), kNil);
  EXPECT_EQ(kv.get("x"), std::nullopt);  // XX did not create
  EXPECT_EQ(kv.apply({"SET", "k", "w", "BAD"}), E("ERR syntax error"));
  EXPECT_EQ(kv.get("k"), "v");  // a syntax error changes nothing
  EXPECT_EQ(kv.apply({"INCR", "n"}), I(1));
  EXPECT_EQ(kv.get("n"), "1");  // stored as a decimal string
  EXPECT_EQ(kv.apply({"INCR", "k"}), E("ERR value is not an integer or out of range"));
  EXPECT_EQ(kv.get("k"), "v");
  EXPECT_EQ(kv.apply({"SET", "m", "9223372036854775807"}), kOk);
  EXPECT_EQ(kv.apply({"INCR", "m"}), E("ERR increment or decrement would overflow"));
  EXPECT_EQ(kv.get("m"), "9223372036854775807");
  EXPECT_EQ(kv.size(), 3u);
  EXPECT_EQ(kv.apply({"DEL", "k", "n", "m"}), I(3));
  EXPECT_EQ(kv.size(), 0u);
}

TEST(KvStore, ReadOnlyCommandsDoNotChangeTheDigest) {
  KvStore kv;
  kv.apply({"SET", "a", "1"});
  const auto before = kv.digest();
  const auto snap = kv.snapshot();
  for (const Command& c : std::vector<Command>{{"GET", "a"}, {"MGET", "a", "b"}, {"EXISTS", "a", "b"}, {"GET"},
                                               {"FOO"}, {"SET", "a", "2", "EX", "1"}, {"SET", "a", "2", "NX"},
                                               {"DEL", "zz"}}) {
    kv.apply(c);
    EXPECT_EQ(kv.digest(), before) << describe(ClientRequest{0, 0, c});
  }
  EXPECT_EQ(kv.snapshot(), snap);
}

TEST(KvStore, DigestDependsOnContentNotHistory) {
  KvStore a;
  KvStore b;
  EXPECT_EQ(a.digest(), b.digest());
  a.apply({"SET", "x", "1"});
  a.apply({"SET", "y", "2"});
  b.apply({"SET", "y", "0"});
  b.apply({"INCR", "y"});
  b.apply({"INCR", "y"});
  b.apply({"SET", "z", "9"});
  b.apply({"SET", "x", "1"});
  EXPECT_NE(a.digest(), b.digest());
  b.apply({"DEL", "z"});
  EXPECT_EQ(a.digest(), b.digest());
  EXPECT_EQ(a.snapshot(), b.snapshot());
  // Key/value boundaries matter: ("ab","c") is not ("a","bc").
  KvStore c;
  KvStore d;
  c.apply({"SET", "ab", "c"});
  d.apply({"SET", "a", "bc"});
  EXPECT_NE(c.digest(), d.digest());
  // Swapping values between keys changes the digest.
  KvStore e;
  KvStore f;
  e.apply({"SET", "a", "1"});
  e.apply({"SET", "b", "2"});
  f.apply({"SET", "a", "2"});
  f.apply({"SET", "b", "1"});
  EXPECT_NE(e.digest(), f.digest());
}

}  // namespace
}  // namespace quorum::smr
