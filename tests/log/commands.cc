#include "commands.h"

#include <cstdio>

#include "smr/command.h"
#include "smr/kv_store.h"

namespace quorum::logtest {
namespace {

constexpr std::size_t kShownLabelChars = 12;

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string shorten(const std::string& label) {
  if (label.size() <= kShownLabelChars) return label;
  return label.substr(0, kShownLabelChars) + "...(" + std::to_string(label.size()) + "B)";
}

}  // namespace

std::uint64_t client_id(std::string_view label) {
  // In [2^31, 2^32): nonzero (0 is "no session") and always a five-byte
  // varint, so a command's size depends only on its label's length.
  return (fnv1a(label) & 0x7fffffffu) | 0x80000000u;
}

std::string key_of(std::string_view label) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "k%016llx", static_cast<unsigned long long>(fnv1a(label)));
  return buf;
}

Value command(std::string_view label) {
  return smr::encode_request(smr::ClientRequest{client_id(label), 1, {"SET", key_of(label), std::string(label)}});
}

std::string label(const Value& command) {
  auto req = smr::decode_request(command);
  if (req.ok()) {
    const smr::ClientRequest& r = req.value();
    if (r.command.size() == 3 && r.request_no == 1 && r.client_id == client_id(r.command[2]) &&
        r.command[1] == key_of(r.command[2])) {
      return r.command[2];
    }
  }
  return "?" + std::to_string(command.size()) + "B";
}

log::Batch batch(const Labels& labels) {
  log::Batch b;
  for (const std::string& l : labels) b.commands.push_back(command(l));
  return b;
}

Labels labels(const log::Batch& b) {
  Labels out;
  for (const Value& c : b.commands) out.push_back(label(c));
  return out;
}

std::string show(const log::Batch& b) {
  if (b.is_noop()) return "no-op";
  std::string s = "[";
  for (std::size_t i = 0; i < b.commands.size(); ++i) s += (i ? "," : "") + shorten(label(b.commands[i]));
  return s + "]";
}

std::string show(const std::vector<log::SlotValue>& entries) {
  std::string s;
  for (const log::SlotValue& e : entries) s += (s.empty() ? "" : " ") + e.slot.to_string() + ":" + show(e.value);
  return s.empty() ? "none" : s;
}

bool holds(const smr::Executor& state, std::string_view label) {
  const auto* kv = dynamic_cast<const smr::KvStore*>(&state.state_machine());
  if (kv == nullptr) return false;
  auto v = kv->get(key_of(label));
  return v.has_value() && *v == label;
}

}  // namespace quorum::logtest
