#include "server/local_commands.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <vector>

namespace quorum::server {

namespace {

struct Arity {
  std::size_t min;  // argv size, the name included
  bool exact;
};

// The state machine's commands (smr/kv_store.h) and their argument counts.
const std::map<std::string, Arity>& replicated() {
  static const std::map<std::string, Arity> table = {
      {"GET", {2, true}},     {"SET", {3, false}},  {"DEL", {2, false}},
      {"EXISTS", {2, false}}, {"INCR", {2, true}},  {"MGET", {2, false}},
  };
  return table;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

smr::Reply wrong_arity(const smr::Command& argv) {
  return smr::Reply::error("ERR wrong number of arguments for '" + lower(argv[0]) + "' command");
}

smr::Reply unknown(const smr::Command& argv) {
  std::string text = "ERR unknown command '" + argv[0] + "', with args beginning with:";
  for (std::size_t i = 1; i < argv.size() && i <= 3; ++i) text += " '" + argv[i].substr(0, 64) + "'";
  return smr::Reply::error(text);
}

// INFO [section ...]: the named "# Section" blocks of `info`, as Redis does;
// no argument, "all", "everything" or "default" is the whole text.
std::string info_sections(const smr::Command& argv, const std::string& info) {
  if (argv.size() == 1) return info;
  std::vector<std::string> wanted;
  for (std::size_t i = 1; i < argv.size(); ++i) {
    const std::string w = lower(argv[i]);
    if (w == "all" || w == "everything" || w == "default") return info;
    wanted.push_back(w);
  }
  std::string out;
  bool keep = false;
  std::size_t pos = 0;
  while (pos < info.size()) {
    std::size_t end = info.find("\r\n", pos);
    end = end == std::string::npos ? info.size() : end + 2;
    const std::string_view line(info.data() + pos, end - pos);
    if (line.starts_with("# ")) {
      std::string name(line.substr(2));
      while (!name.empty() && (name.back() == '\r' || name.back() == '\n')) name.pop_back();
      keep = std::find(wanted.begin(), wanted.end(), lower(name)) != wanted.end();
      if (keep && !out.empty()) out += "\r\n";
    }
    if (keep && line != "\r\n") out += line;
    pos = end;
  }
  return out;
}

}  // namespace

CommandKind classify(const smr::Command& argv) {
  const std::string name = smr::command_name(argv);
  if (name == "QUIT") return CommandKind::kQuit;
  if (replicated().count(name) != 0) return CommandKind::kReplicated;
  return CommandKind::kLocal;
}

smr::Reply local_reply(const smr::Command& argv, const std::string& info) {
  const std::string name = smr::command_name(argv);
  if (name == "PING") {
    if (argv.size() == 1) return smr::Reply::status("PONG");
    if (argv.size() == 2) return smr::Reply::bulk(argv[1]);
    return wrong_arity(argv);
  }
  if (name == "ECHO") return argv.size() == 2 ? smr::Reply::bulk(argv[1]) : wrong_arity(argv);
  if (name == "SELECT") {
    if (argv.size() != 2) return wrong_arity(argv);
    return argv[1] == "0" ? smr::Reply::ok() : smr::Reply::error("ERR DB index is out of range");
  }
  if (name == "INFO") return smr::Reply::bulk(info_sections(argv, info));
  if (name == "COMMAND" || name == "CONFIG") return smr::Reply::array({});
  if (name == "CLIENT") return smr::Reply::ok();
  return unknown(argv);
}

std::optional<smr::Reply> reject_before_log(const smr::Command& argv) {
  if (auto why = smr::command_limit_error(argv)) return smr::Reply::error("ERR " + *why);
  std::size_t bytes = 0;
  for (const std::string& a : argv) bytes += a.size();
  if (bytes > kMaxCommandBytes) {
    return smr::Reply::error("ERR command too large (" + std::to_string(bytes) + " bytes, the limit is " +
                             std::to_string(kMaxCommandBytes) + ")");
  }
  const auto it = replicated().find(smr::command_name(argv));
  if (it == replicated().end()) return unknown(argv);
  const Arity a = it->second;
  if (argv.size() < a.min || (a.exact && argv.size() != a.min)) return wrong_arity(argv);
  return std::nullopt;
}

}  // namespace quorum::server
