// The golden traces under testdata/<protocol>/ (format: golden.h), and a
// check that the golden comparison can fail. QUORUM_UPDATE_GOLDEN=1 rewrites
// the expected outputs instead of comparing them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "golden.h"

namespace quorum::logtest::golden {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> scripts(const std::string& protocol) {
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(QUORUM_TESTDATA_DIR) / protocol)) {
    if (entry.path().extension() == ".txt") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool updating() {
  const char* v = std::getenv("QUORUM_UPDATE_GOLDEN");
  return v != nullptr && std::string(v) == "1";
}

void check_all(const std::string& protocol) {
  const std::vector<fs::path> files = scripts(protocol);
  ASSERT_FALSE(files.empty()) << "no golden scripts in " << QUORUM_TESTDATA_DIR << "/" << protocol;
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const std::string text = read(file);
    const Result r = run(protocol, text);
    EXPECT_GT(r.commands, 0) << "an empty script tests nothing";
    if (updating()) {
      if (r.rewritten != text) {
        std::ofstream(file, std::ios::binary) << r.rewritten;
        std::cout << "[ rewrote  ] " << file.string() << "\n";
      }
      continue;
    }
    for (const Mismatch& m : r.mismatches) {
      ADD_FAILURE_AT(file.string().c_str(), m.line)
          << m.command << "\n--- expected:\n"
          << m.expected << "--- actual:\n"
          << m.actual << "(QUORUM_UPDATE_GOLDEN=1 rewrites the file with the actual output)";
    }
  }
}

TEST(Golden, MultiPaxos) { check_all("multipaxos"); }
TEST(Golden, Vsr) { check_all("vsr"); }

// ---------------------------------------------------------------- the check can fail

// The first expected line that is an event, not "ok".
std::size_t first_event_line(const std::string& text) {
  std::size_t at = text.find("\n----\n");
  while (at != std::string::npos && text.compare(at + 6, 3, "ok\n") == 0) at = text.find("\n----\n", at + 1);
  return at == std::string::npos ? at : at + 6;
}

TEST(GoldenCheck, AnEditedExpectationIsReportedAndTheUpdateRestoresIt) {
  const fs::path file = scripts("multipaxos").front();
  const std::string original = read(file);
  ASSERT_TRUE(run("multipaxos", original).mismatches.empty()) << file;

  const std::size_t at = first_event_line(original);
  ASSERT_NE(at, std::string::npos);
  std::string edited = original;
  edited.insert(at, "X");  // one character more on one expected line
  const Result r = run("multipaxos", edited);
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0].expected.substr(0, 1), "X");
  EXPECT_EQ(r.mismatches[0].actual, r.mismatches[0].expected.substr(1));
  EXPECT_EQ(r.rewritten, original) << "the update mode writes back what the harness printed";
}

TEST(GoldenCheck, AMissingOrExtraLineIsReported) {
  const std::string script = "elect 1\n----\nok\n";
  const Result r = run("multipaxos", script);
  ASSERT_EQ(r.mismatches.size(), 1u) << "elect prints what it sent";
  EXPECT_EQ(r.mismatches[0].line, 1);
  EXPECT_EQ(r.mismatches[0].expected, "ok\n");

  const Result extra = run("multipaxos", r.rewritten + "\nsettle\n----\nok\nsend 1->2 Nothing\n");
  ASSERT_EQ(extra.mismatches.size(), 1u);
  EXPECT_EQ(extra.mismatches[0].command, "settle");
}

TEST(GoldenCheck, UnknownCommandsAndMissingSeparatorsAreReported) {
  Result r = run("vsr", "frobnicate 1\n----\nok\n");
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0].actual, "error: unknown command 'frobnicate'\n");
  r = run("vsr", "status\n");
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_NE(r.mismatches[0].expected.find("no \"----\""), std::string::npos);
  r = run("vsr", "show none\n----\nok\n\ncluster replicas=5\n----\nok\n");
  ASSERT_EQ(r.mismatches.size(), 1u);
  EXPECT_EQ(r.mismatches[0].actual, "error: cluster must be the first command\n");
}

}  // namespace
}  // namespace quorum::logtest::golden
