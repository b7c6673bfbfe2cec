// The replay rules of VSR's durable records (what a restarted replica
// rebuilds), and the bug-variant names `quorum sim --break` accepts.
#include <gtest/gtest.h>

#include <string>

#include "vsr/config.h"
#include "vsr/records.h"

namespace quorum::vsr {
namespace {

TEST(VsrRecords, ReplayTruncatesOnLogRecordsAndOnlyRestatesOnCompaction) {
  auto batch = [](const char* c) { return Batch{{c}}; };
  DurableState s;
  EXPECT_FALSE(s.any);
  s.apply(ViewRecord{View{0}, View{0}});
  s.apply(LogRecord{View{0}, Slot{0}, {{Slot{1}, batch("a")}, {Slot{2}, batch("b")}, {Slot{3}, batch("c")}}, Slot{1}});
  // A StartView of view 2 replaces everything above op 1.
  s.apply(ViewRecord{View{2}, View{0}});
  s.apply(LogRecord{View{2}, Slot{1}, {{Slot{2}, batch("x")}}, Slot{2}});
  EXPECT_TRUE(s.any);
  EXPECT_EQ(s.view, View{2});
  EXPECT_EQ(s.log_view, View{2});
  ASSERT_EQ(s.log.size(), 2u);
  EXPECT_EQ(s.log.at(Slot{2}), batch("x"));
  EXPECT_EQ(s.commit, Slot{2});
  // A compaction forgets ops at or below it and never drops the ops above,
  // so replaying only a prefix of a split compaction loses nothing.
  s.apply(LogRecord{View{2}, Slot{2}, {{Slot{3}, batch("y")}, {Slot{4}, batch("z")}}, Slot{2}});
  s.apply(CompactRecord{View{2}, View{2}, Slot{2}, Slot{2}, {{Slot{3}, batch("y")}}});
  EXPECT_EQ(s.compacted, Slot{2});
  ASSERT_EQ(s.log.size(), 2u);
  EXPECT_EQ(s.log.begin()->first, Slot{3});
  EXPECT_EQ(s.log.at(Slot{4}), batch("z"));
}

TEST(VsrRecords, BugNamesRoundTrip) {
  for (const std::string& name : bug_names()) EXPECT_TRUE(bugs_from_name(name).has_value()) << name;
  EXPECT_FALSE(bugs_from_name("no-such-bug").has_value());
}

}  // namespace
}  // namespace quorum::vsr
