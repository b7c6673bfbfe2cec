// A tiny DSL for writing KV histories in tests: one line per operation,
// client first, then the key, the output and the [invoke, return] interval.
#pragma once

#include <optional>
#include <string>

#include "lincheck/checker.h"
#include "lincheck/history.h"

namespace quorum::lincheck::testing {

struct HistoryBuilder {
  History h;

  OpId set(ClientId c, const std::string& key, const std::string& v, Time a, Time b) {
    return h.add_ok(c, OpKind::Set, key, v, Output::none(), a, b);
  }
  OpId get(ClientId c, const std::string& key, std::optional<std::string> out, Time a, Time b) {
    return h.add_ok(c, OpKind::Get, key, "", Output::from_optional(std::move(out)), a, b);
  }
  OpId del(ClientId c, const std::string& key, std::int64_t out, Time a, Time b) {
    return h.add_ok(c, OpKind::Del, key, "", Output::integer(out), a, b);
  }
  OpId exists(ClientId c, const std::string& key, std::int64_t out, Time a, Time b) {
    return h.add_ok(c, OpKind::Exists, key, "", Output::integer(out), a, b);
  }
  OpId incr(ClientId c, const std::string& key, std::int64_t out, Time a, Time b) {
    return h.add_ok(c, OpKind::Incr, key, "", Output::integer(out), a, b);
  }
  OpId incr_error(ClientId c, const std::string& key, Time a, Time b) {
    return h.add_ok(c, OpKind::Incr, key, "",
                    Output::error("ERR value is not an integer or out of range"), a, b);
  }
  OpId set_unknown(ClientId c, const std::string& key, const std::string& v, Time a) {
    return h.add_unknown(c, OpKind::Set, key, v, a);
  }
  OpId unknown(ClientId c, OpKind kind, const std::string& key, Time a) {
    return h.add_unknown(c, kind, key, "", a);
  }
  OpId set_failed(ClientId c, const std::string& key, const std::string& v, Time a) {
    const OpId id = h.invoke(c, OpKind::Set, key, v, a);
    h.failed(id);
    return id;
  }

  CheckResult check(const CheckOptions& options = {}) const { return lincheck::check(h, options); }
};

}  // namespace quorum::lincheck::testing
