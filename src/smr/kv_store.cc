#include "smr/kv_store.h"

#include <algorithm>
#include <limits>
#include <utility>
#include <vector>

#include "core/limits.h"
#include "smr/bytes.h"

namespace quorum::smr {
namespace {

constexpr char kMagic[4] = {'Q', 'K', 'V', 'S'};
constexpr std::size_t kMaxNameInError = 128;  // as Redis: '%.128s'

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

Reply wrong_arity(const char* lower_name) {
  return Reply::error(std::string("ERR wrong number of arguments for '") + lower_name + "' command");
}

Reply syntax_error() { return Reply::error("ERR syntax error"); }
Reply not_an_integer() { return Reply::error("ERR value is not an integer or out of range"); }

// Redis's string2ll: an optional '-', then either "0" alone or a digit 1-9
// followed by digits; no spaces, no '+', no leading zeros, within int64.
std::optional<std::int64_t> parse_int64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (s == "0") return 0;
  bool negative = false;
  if (s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
  }
  if (s.front() < '1' || s.front() > '9') return std::nullopt;
  constexpr std::uint64_t kMaxMagnitude = std::uint64_t{1} << 63;  // |INT64_MIN|
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (kMaxMagnitude - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  if (negative) {
    if (v == kMaxMagnitude) return std::numeric_limits<std::int64_t>::min();
    return -static_cast<std::int64_t>(v);
  }
  if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

std::uint64_t entry_hash(std::string_view key, std::string_view value) {
  return bytes::Hasher().bytes(key).bytes(value).finish();
}

}  // namespace

Reply KvStore::apply(const Command& c) {
  if (auto error = command_limit_error(c)) return Reply::error("ERR " + *error);
  const std::string& name = c.front();
  if (iequals(name, "GET")) return get_cmd(c);
  if (iequals(name, "SET")) return set_cmd(c);
  if (iequals(name, "DEL")) return del_cmd(c);
  if (iequals(name, "EXISTS")) return exists_cmd(c);
  if (iequals(name, "INCR")) return incr_cmd(c);
  if (iequals(name, "MGET")) return mget_cmd(c);
  return Reply::error("ERR unknown command '" + name.substr(0, kMaxNameInError) + "'");
}

Reply KvStore::get_cmd(const Command& c) const {
  if (c.size() != 2) return wrong_arity("get");
  auto it = data_.find(c[1]);
  return it == data_.end() ? Reply::nil() : Reply::bulk(it->second);
}

Reply KvStore::set_cmd(const Command& c) {
  if (c.size() < 3) return wrong_arity("set");
  bool nx = false;
  bool xx = false;
  for (std::size_t i = 3; i < c.size(); ++i) {
    if (iequals(c[i], "NX") && !xx) {
      nx = true;
    } else if (iequals(c[i], "XX") && !nx) {
      xx = true;
    } else {
      return syntax_error();
    }
  }
  const bool exists = data_.find(c[1]) != data_.end();
  if ((nx && exists) || (xx && !exists)) return Reply::nil();
  put(c[1], c[2]);
  return Reply::ok();
}

Reply KvStore::del_cmd(const Command& c) {
  if (c.size() < 2) return wrong_arity("del");
  std::int64_t removed = 0;
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (erase(c[i])) ++removed;
  }
  return Reply::integer(removed);
}

Reply KvStore::exists_cmd(const Command& c) const {
  if (c.size() < 2) return wrong_arity("exists");
  std::int64_t count = 0;
  for (std::size_t i = 1; i < c.size(); ++i) {
    if (data_.find(c[i]) != data_.end()) ++count;
  }
  return Reply::integer(count);
}

Reply KvStore::incr_cmd(const Command& c) {
  if (c.size() != 2) return wrong_arity("incr");
  std::int64_t current = 0;
  if (auto it = data_.find(c[1]); it != data_.end()) {
    auto parsed = parse_int64(it->second);
    if (!parsed) return not_an_integer();
    current = *parsed;
  }
  if (current == std::numeric_limits<std::int64_t>::max()) {
    return Reply::error("ERR increment or decrement would overflow");
  }
  const std::int64_t next = current + 1;
  put(c[1], std::to_string(next));
  return Reply::integer(next);
}

Reply KvStore::mget_cmd(const Command& c) const {
  if (c.size() < 2) return wrong_arity("mget");
  std::vector<Reply> out;
  out.reserve(c.size() - 1);
  for (std::size_t i = 1; i < c.size(); ++i) {
    auto it = data_.find(c[i]);
    out.push_back(it == data_.end() ? Reply::nil() : Reply::bulk(it->second));
  }
  return Reply::array(std::move(out));
}

void KvStore::put(const std::string& key, std::string value) {
  auto [it, inserted] = data_.try_emplace(key);
  if (!inserted) entries_hash_sum_ -= entry_hash(it->first, it->second);
  it->second = std::move(value);
  entries_hash_sum_ += entry_hash(it->first, it->second);
}

bool KvStore::erase(const std::string& key) {
  auto it = data_.find(key);
  if (it == data_.end()) return false;
  entries_hash_sum_ -= entry_hash(it->first, it->second);
  data_.erase(it);
  return true;
}

std::optional<std::string> KvStore::get(std::string_view key) const {
  auto it = data_.find(key);
  if (it == data_.end()) return std::nullopt;
  return it->second;
}

std::uint64_t KvStore::digest() const {
  return bytes::Hasher().bytes("kv").u64(data_.size()).u64(entries_hash_sum_).finish();
}

std::string KvStore::snapshot() const {
  std::string out(kMagic, sizeof kMagic);
  bytes::put_u8(out, kKvSnapshotVersion);
  bytes::put_varint(out, data_.size());
  std::vector<const Map::value_type*> entries;
  entries.reserve(data_.size());
  for (const auto& entry : data_) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const auto* entry : entries) {
    bytes::put_string(out, entry->first);
    bytes::put_string(out, entry->second);
  }
  bytes::seal(out);
  return out;
}

RestoreResult KvStore::restore(std::string_view snapshot) {
  const auto fail = [](std::string why) { return RestoreResult("kv snapshot: " + std::move(why)); };
  if (snapshot.size() < sizeof kMagic + 1 + 1 + 4) {
    return fail("truncated (" + std::to_string(snapshot.size()) + " bytes)");
  }
  if (snapshot.substr(0, sizeof kMagic) != std::string_view(kMagic, sizeof kMagic)) {
    return fail("bad magic (not a key-value store snapshot)");
  }
  std::string_view body;
  if (!bytes::unseal(snapshot, body)) return fail("checksum mismatch (corrupted or truncated)");
  bytes::Reader in(body.substr(sizeof kMagic));
  std::uint8_t version = 0;
  in.u8(version);
  if (version != kKvSnapshotVersion) return fail("unknown version " + std::to_string(version));
  std::uint64_t count = 0;
  if (!in.varint(count)) return fail("malformed entry count");
  // Every entry takes at least two bytes (two lengths).
  if (count > in.remaining() / 2) return fail("entry count " + std::to_string(count) + " exceeds the input");

  Map data;
  data.reserve(count);
  std::string_view previous;
  std::uint64_t sum = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string_view key;
    std::string_view value;
    if (!in.string(limits::kMaxValueBytes, key)) return fail("entry " + std::to_string(i) + ": bad key");
    if (!in.string(limits::kMaxValueBytes, value)) return fail("entry " + std::to_string(i) + ": bad value");
    if (i > 0 && !(previous < key)) {
      return fail("entry " + std::to_string(i) + ": keys out of order or repeated");
    }
    previous = key;  // points into `snapshot`, which outlives the loop
    sum += entry_hash(key, value);
    data.emplace(std::string(key), std::string(value));
  }
  if (!in.done()) return fail(std::to_string(in.remaining()) + " trailing bytes");
  data_ = std::move(data);
  entries_hash_sum_ = sum;
  return std::monostate{};
}

}  // namespace quorum::smr
