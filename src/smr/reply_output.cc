#include "smr/reply_output.h"

namespace quorum::smr {

bool is_incr_result_error(const std::string& text) {
  return text.rfind("ERR value is not an integer", 0) == 0 ||
         text.rfind("ERR increment or decrement would overflow", 0) == 0;
}

std::optional<lincheck::Output> reply_output(lincheck::OpKind kind, const Reply& r) {
  using K = Reply::Kind;
  using lincheck::OpKind;
  using lincheck::Output;
  switch (kind) {
    case OpKind::Get:
      if (r.kind() == K::kNil) return Output::nil();
      if (r.kind() == K::kBulk) return Output::value(r.str());
      break;
    case OpKind::Set:
      if (r.kind() == K::kStatus && r.str() == "OK") return Output::none();
      break;
    case OpKind::Del:
    case OpKind::Exists:
      if (r.kind() == K::kInteger) return Output::integer(r.integer_value());
      break;
    case OpKind::Incr:
      if (r.kind() == K::kInteger) return Output::integer(r.integer_value());
      if (r.kind() == K::kError && is_incr_result_error(r.str())) return Output::error(r.str());
      break;
  }
  return std::nullopt;
}

}  // namespace quorum::smr
