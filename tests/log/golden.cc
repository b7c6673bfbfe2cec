#include "golden.h"

#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include "multipaxos_traits.h"
#include "vsr_traits.h"

namespace quorum::logtest::golden {
namespace {

constexpr std::string_view kSeparator = "----";

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += l + "\n";
  return out;
}

bool blank(const std::string& line) { return line.find_first_not_of(" \t\r") == std::string::npos; }

// A command's words: positional ones, and key=value options.
struct Args {
  std::string name;
  std::vector<std::string> words;
  std::map<std::string, std::string> options;

  static Args parse(const std::string& line) {
    Args a;
    std::istringstream in(line);
    in >> a.name;
    for (std::string w; in >> w;) {
      const auto eq = w.find('=');
      if (eq == std::string::npos) {
        a.words.push_back(w);
      } else {
        a.options[w.substr(0, eq)] = w.substr(eq + 1);
      }
    }
    return a;
  }
  static std::uint64_t number(const std::string& s, const std::string& what) {
    std::size_t used = 0;
    std::uint64_t n = 0;
    try {
      n = std::stoull(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != s.size()) throw std::invalid_argument(what + " must be a number, not '" + s + "'");
    return n;
  }
  std::uint32_t id(std::size_t i) const {
    if (i >= words.size()) throw std::invalid_argument(name + ": a replica id is missing");
    return static_cast<std::uint32_t>(number(words[i], "a replica id"));
  }
  // The i-th word as a count, or `otherwise` if there is none.
  int count(std::size_t i, int otherwise) const {
    return i < words.size() ? static_cast<int>(number(words[i], "a count")) : otherwise;
  }
  std::uint64_t option(const std::string& key, std::uint64_t otherwise) const {
    auto it = options.find(key);
    return it == options.end() ? otherwise : number(it->second, key);
  }
  Msgs selection() const {
    Msgs m(options.count("type") ? options.at("type") : "");
    if (options.count("from")) m = m.from(static_cast<std::uint32_t>(option("from", 0)));
    if (options.count("to")) m = m.to(static_cast<std::uint32_t>(option("to", 0)));
    if (options.count("slot")) m = m.slot(option("slot", 0));
    return m;
  }
  void allow(std::initializer_list<const char*> keys) const {
    for (const auto& [key, value] : options) {
      bool known = false;
      for (const char* k : keys) known |= key == k;
      if (!known) throw std::invalid_argument(name + ": unknown option '" + key + "'");
    }
  }
};

const std::map<std::string, Event::Kind>& kinds() {
  static const std::map<std::string, Event::Kind> k = {
      {"client", Event::Kind::kClient}, {"send", Event::Kind::kSend},         {"network", Event::Kind::kNetwork},
      {"disk", Event::Kind::kDisk},     {"commit", Event::Kind::kCommit},     {"role", Event::Kind::kRole},
      {"snapshot", Event::Kind::kSnapshot}, {"life", Event::Kind::kLife}};
  return k;
}

template <class P>
std::optional<typename P::Bugs> bugs_named(const std::string& name) {
  if constexpr (std::is_same_v<P, multipaxos::Protocol>) {
    return multipaxos::bugs_from_name(name);
  } else {
    return vsr::bugs_from_name(name);
  }
}

// Runs one script's commands on a LogHarness<P>.
template <class P>
class Interpreter {
 public:
  std::vector<std::string> run(const std::string& line) {
    const Args a = Args::parse(line);
    if (a.name == "cluster") {
      configure(a);
      return {};
    }
    if (!h_) h_ = std::make_unique<LogHarness<P>>(HarnessOptions<P>{});
    const std::size_t mark = h_->events().size();
    std::vector<std::string> printed = execute(a);
    std::vector<std::string> out;
    for (std::size_t i = mark; i < h_->events().size(); ++i) {
      const Event& e = h_->events()[i];
      if (e.kind == Event::Kind::kViolation || shown_.count(e.kind) != 0) out.push_back(e.text);
    }
    out.insert(out.end(), printed.begin(), printed.end());
    return out;
  }

 private:
  void configure(const Args& a) {
    if (h_) throw std::invalid_argument("cluster must be the first command");
    a.allow({"replicas", "seed", "snapshot-every", "window", "batch", "entries-per-message", "chunk-bytes", "bug"});
    HarnessOptions<P> o;
    o.replicas = static_cast<std::uint32_t>(a.option("replicas", o.replicas));
    o.seed = a.option("seed", o.seed);
    o.snapshots.every_slots = a.option("snapshot-every", 0);
    o.limits.window_slots = static_cast<std::uint32_t>(a.option("window", o.limits.window_slots));
    o.limits.max_batch_commands = static_cast<std::uint32_t>(a.option("batch", o.limits.max_batch_commands));
    o.limits.max_entries_per_message =
        static_cast<std::uint32_t>(a.option("entries-per-message", o.limits.max_entries_per_message));
    o.limits.snapshot_chunk_bytes =
        static_cast<std::uint32_t>(a.option("chunk-bytes", o.limits.snapshot_chunk_bytes));
    if (a.options.count("bug")) {
      auto b = bugs_named<P>(a.options.at("bug"));
      if (!b) throw std::invalid_argument("no " + std::string(P::kName) + " bug '" + a.options.at("bug") + "'");
      o.bugs = *b;
      o.expect_violations = true;
    }
    h_ = std::make_unique<LogHarness<P>>(o);
  }

  std::vector<std::string> execute(const Args& a) {
    LogHarness<P>& h = *h_;
    const std::string& c = a.name;
    if (c == "show") return show(a);
    if (c == "status") return status();
    if (c == "in-flight") {
      a.allow({"type", "from", "to", "slot"});
      std::vector<std::string> out;
      for (const Envelope& e : h.in_flight(a.selection())) out.push_back(describe(e));
      if (out.empty()) out.push_back("nothing in flight");
      return out;
    }
    if (c == "committed") return {std::to_string(a.id(0)) + ": " + logtest::show(h.committed(a.id(0)))};
    if (c == "elect") {
      if (!h.elect(a.id(0))) return {"elect " + std::to_string(a.id(0)) + ": not leader"};
      return {};
    }
    if (c == "submit") {
      if (a.words.size() < 2) throw std::invalid_argument("submit: an id and at least one label");
      for (std::size_t i = 1; i < a.words.size(); ++i) h.submit(a.id(0), a.words[i]);
      return {};
    }
    if (c == "commit") {
      if (a.words.size() != 2) throw std::invalid_argument("commit: an id and a label");
      if (!h.commit(a.id(0), a.words[1])) return {"commit " + a.words[1] + ": not committed at " + a.words[0]};
      return {};
    }
    if (c == "deliver" || c == "deliver-first" || c == "drop" || c == "duplicate") return network(a);
    if (c == "settle") {
      if (!h.settle()) return {"settle: still busy"};
      return {};
    }
    auto simple = simple_commands().find(c);
    if (simple != simple_commands().end()) {
      simple->second(h, a);
      return {};
    }
    throw std::invalid_argument("unknown command '" + c + "'");
  }

  // Commands that only act: their output is the events they cause.
  using Action = void (*)(LogHarness<P>&, const Args&);
  static const std::map<std::string, Action>& simple_commands() {
    static const std::map<std::string, Action> table = {
        {"end-turn", [](LogHarness<P>& h, const Args& a) { h.end_turn(a.id(0)); }},
        {"tick", [](LogHarness<P>& h, const Args& a) { h.tick(a.id(0), a.count(1, 1)); }},
        {"tick-all", [](LogHarness<P>& h, const Args& a) { h.tick_all(a.count(0, 1)); }},
        {"sync",
         [](LogHarness<P>& h, const Args& a) {
           h.sync(a.id(0), a.words.size() > 1 ? static_cast<std::size_t>(a.count(1, 0)) : SIZE_MAX);
         }},
        {"sync-all", [](LogHarness<P>& h, const Args&) { h.sync_all(); }},
        {"cut", [](LogHarness<P>& h, const Args& a) { h.cut(a.id(0), a.id(1)); }},
        {"isolate", [](LogHarness<P>& h, const Args& a) { h.isolate(a.id(0)); }},
        {"heal", [](LogHarness<P>& h, const Args&) { h.heal_all(); }},
        {"crash", [](LogHarness<P>& h, const Args& a) { h.crash(a.id(0)); }},
        {"restart", [](LogHarness<P>& h, const Args& a) { h.restart(a.id(0)); }},
        {"heartbeat", [](LogHarness<P>& h, const Args& a) { h.heartbeat(a.id(0)); }},
    };
    return table;
  }

  std::vector<std::string> network(const Args& a) {
    a.allow({"type", "from", "to", "slot", "order"});
    LogHarness<P>& h = *h_;
    const Msgs which = a.selection();
    std::size_t n = 0;
    if (a.name == "deliver-first") {
      n = h.deliver_first(which) ? 1 : 0;
    } else if (a.name == "deliver") {
      const std::string order = a.options.count("order") ? a.options.at("order") : "oldest";
      if (order != "oldest" && order != "newest") throw std::invalid_argument("order is oldest or newest");
      n = order == "newest" ? h.deliver_newest_first(which) : h.deliver(which);
    } else if (a.name == "drop") {
      n = h.drop(which);
    } else {
      n = h.duplicate(which);
    }
    if (n == 0) return {"no message matches " + which.to_string()};
    return {};
  }

  std::vector<std::string> show(const Args& a) {
    shown_.clear();
    for (const std::string& w : a.words) {
      if (w == "all") {
        for (const auto& [name, kind] : kinds()) shown_.insert(kind);
      } else if (w != "none") {
        auto it = kinds().find(w);
        if (it == kinds().end()) throw std::invalid_argument("show: no event kind '" + w + "'");
        shown_.insert(it->second);
      }
    }
    return {};
  }

  std::vector<std::string> status() const {
    const LogHarness<P>& h = *h_;
    std::vector<std::string> out;
    for (std::uint32_t id = 1; id <= h.size(); ++id) {
      std::string line = std::to_string(id) + ": ";
      if (!h.is_up(id)) {
        line += "down";
      } else {
        const auto& host = h.host(id);
        line += Traits<P>::status(host.core()) + " applied=" + host.applied().to_string() +
                " snapshot=" + host.snapshot_index().to_string() +
                " pending=" + std::to_string(h.pending_writes(id)) +
                " log=" + std::to_string(h.store(id).durable_records().size());
      }
      out.push_back(line);
    }
    return out;
  }

  std::unique_ptr<LogHarness<P>> h_;
  std::set<Event::Kind> shown_ = [] {
    std::set<Event::Kind> all;
    for (const auto& [name, kind] : kinds()) all.insert(kind);
    return all;
  }();
};

template <class P>
Result run_as(const std::string& script) {
  const std::vector<std::string> lines = split_lines(script);
  Result result;
  std::vector<std::string> rewritten;
  Interpreter<P> interpreter;
  std::size_t i = 0;
  while (i < lines.size()) {
    const std::string& line = lines[i];
    if (blank(line) || line.front() == '#') {
      rewritten.push_back(line);
      ++i;
      continue;
    }
    const int at = static_cast<int>(i) + 1;
    rewritten.push_back(line);
    ++i;
    std::vector<std::string> expected;
    const bool separated = i < lines.size() && lines[i] == kSeparator;
    if (separated) {
      for (++i; i < lines.size() && !blank(lines[i]); ++i) expected.push_back(lines[i]);
    }
    std::vector<std::string> actual;
    try {
      actual = interpreter.run(line);
    } catch (const std::exception& e) {
      actual = {std::string("error: ") + e.what()};
    }
    if (actual.empty()) actual.push_back("ok");
    ++result.commands;
    rewritten.push_back(std::string(kSeparator));
    rewritten.insert(rewritten.end(), actual.begin(), actual.end());
    if (!separated || expected != actual) {
      result.mismatches.push_back(
          Mismatch{at, line, separated ? join(expected) : "(no \"----\" after the command)\n", join(actual)});
    }
  }
  result.rewritten = join(rewritten);
  return result;
}

}  // namespace

Result run(std::string_view protocol, const std::string& script) {
  if (protocol == multipaxos::Protocol::kName) return run_as<multipaxos::Protocol>(script);
  if (protocol == vsr::Protocol::kName) return run_as<vsr::Protocol>(script);
  throw std::invalid_argument("no log protocol '" + std::string(protocol) + "'");
}

}  // namespace quorum::logtest::golden
