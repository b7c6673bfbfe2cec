#include "lincheck/history.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "lincheck/checker.h"

namespace quorum::lincheck {
namespace {

TEST(History, RecorderAssignsIdsAndTracksPendingOps) {
  History h;
  const OpId a = h.invoke(1, OpKind::Set, "k", "v", 10);
  const OpId b = h.invoke(2, OpKind::Get, "k", 11);
  const OpId c = h.invoke(3, OpKind::Incr, "n", 12);
  const OpId d = h.invoke(4, OpKind::Del, "k", 13);
  EXPECT_EQ(a.value, 0u);
  EXPECT_EQ(d.value, 3u);
  EXPECT_EQ(h.pending_count(), 4u);

  h.ok(a, Output::none(), 14);
  h.ok(b, Output::value("v"), 15);
  h.unknown(c);
  EXPECT_EQ(h.pending_count(), 1u);

  EXPECT_EQ(h[a].status, OpStatus::Ok);
  EXPECT_EQ(h[a].return_time, 14u);
  EXPECT_EQ(h[b].output, Output::value("v"));
  EXPECT_EQ(h[c].status, OpStatus::Unknown);
  EXPECT_EQ(h[c].return_time, kInfinity);
  EXPECT_TRUE(h[c].maybe_applied_late());
  EXPECT_TRUE(h[d].maybe_applied_late());  // still pending
  h.failed(d);
  EXPECT_EQ(h.pending_count(), 0u);
  EXPECT_FALSE(h[d].maybe_applied_late());
}

TEST(History, RejectsMisuse) {
  History h;
  const OpId get = h.invoke(1, OpKind::Get, "k", 10);
  EXPECT_THROW(h.ok(get, Output::integer(1), 11), std::invalid_argument);  // wrong type
  EXPECT_THROW(h.ok(get, Output::nil(), 9), std::invalid_argument);        // before invoke
  h.ok(get, Output::nil(), 10);                                             // touching is fine
  EXPECT_THROW(h.ok(get, Output::nil(), 12), std::logic_error);             // twice
  EXPECT_THROW(h.unknown(get), std::logic_error);
  EXPECT_THROW(h.failed(OpId{7}), std::out_of_range);
  EXPECT_THROW(h.invoke(1, OpKind::Get, "k", "value", 1), std::invalid_argument);
  EXPECT_THROW(h.invoke(1, OpKind::Get, "k", kInfinity), std::invalid_argument);
  EXPECT_THROW(h.add_ok(1, OpKind::Set, "k", "v", Output::nil(), 1, 2), std::invalid_argument);
  EXPECT_EQ(h.size(), 1u);  // the failed add_ok left nothing behind
  EXPECT_EQ(h.pending_count(), 0u);
}

TEST(History, OutputsFitTheirKinds) {
  EXPECT_TRUE(output_fits(OpKind::Get, Output::nil()));
  EXPECT_TRUE(output_fits(OpKind::Get, Output::value("")));
  EXPECT_FALSE(output_fits(OpKind::Get, Output::none()));
  EXPECT_TRUE(output_fits(OpKind::Set, Output::none()));
  EXPECT_FALSE(output_fits(OpKind::Set, Output::integer(1)));
  EXPECT_TRUE(output_fits(OpKind::Del, Output::integer(0)));
  EXPECT_TRUE(output_fits(OpKind::Exists, Output::integer(1)));
  EXPECT_FALSE(output_fits(OpKind::Exists, Output::error("ERR")));
  EXPECT_TRUE(output_fits(OpKind::Incr, Output::integer(-3)));
  EXPECT_TRUE(output_fits(OpKind::Incr, Output::error("ERR not an integer")));
  EXPECT_FALSE(output_fits(OpKind::Incr, Output::nil()));
}

TEST(History, RendersOneLinePerOp) {
  History h;
  const OpId set = h.add_ok(3, OpKind::Set, "k1", "v7", Output::none(), 10, 14);
  const OpId get = h.add_ok(1, OpKind::Get, "k1", "", Output::nil(), 11, 15);
  const OpId hit = h.add_ok(1, OpKind::Get, "k1", "", Output::value("a\"b\n"), 16, 17);
  const OpId incr = h.add_unknown(2, OpKind::Incr, "n", "", 12);
  const OpId err = h.add_ok(2, OpKind::Incr, "n", "", Output::error("ERR bad"), 18, 19);
  const OpId del = h.invoke(2, OpKind::Del, "key with space", 16);
  const OpId open = h.invoke(5, OpKind::Exists, "k1", 20);
  h.failed(del);

  EXPECT_EQ(h.render(set), "#0 c3 SET k1 \"v7\" -> OK [10, 14]");
  EXPECT_EQ(h.render(get), "#1 c1 GET k1 -> nil [11, 15]");
  EXPECT_EQ(h.render(hit), "#2 c1 GET k1 -> \"a\\\"b\\x0a\" [16, 17]");
  EXPECT_EQ(h.render(incr), "#3 c2 INCR n -> ? [12, inf)");
  EXPECT_EQ(h.render(err), "#4 c2 INCR n -> (error \"ERR bad\") [18, 19]");
  EXPECT_EQ(h.render(del), "#5 c2 DEL \"key with space\" -> failed [16, ?]");
  EXPECT_EQ(h.render(open), "#6 c5 EXISTS k1 -> ... [20, open)");
}

TEST(History, QuoteShortensLongValues) {
  const std::string big(100, 'x');
  EXPECT_EQ(quote(big, 4), "\"xxxx\"...(100 bytes)");
  EXPECT_EQ(quote("ok"), "\"ok\"");
}

TEST(History, OpenOpsCheckAsUnknown) {
  History h;
  h.add_ok(1, OpKind::Set, "k", "a", Output::none(), 0, 1);
  h.invoke(2, OpKind::Set, "k", "b", 2);  // never completes
  h.add_ok(3, OpKind::Get, "k", "", Output::value("b"), 5, 6);
  h.add_ok(3, OpKind::Get, "k", "", Output::value("b"), 7, 8);
  EXPECT_EQ(check(h).verdict, Verdict::Linearizable) << check(h).explanation();
  h.add_ok(4, OpKind::Get, "k", "", Output::value("a"), 9, 10);  // b was seen: a is gone
  EXPECT_EQ(check(h).verdict, Verdict::NotLinearizable) << check(h).explanation();
}

}  // namespace
}  // namespace quorum::lincheck
