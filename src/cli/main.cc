// quorum: Paxos, Multi-Paxos and VSR as pure state machines, run in a
// deterministic simulator (and, as the project grows, a model checker and a
// real server). See README.md.
#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"quorum: a consensus toolkit (Paxos, Multi-Paxos, VSR)"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "quorum 0.1.0");
  int exit_code = 0;
  quorum::cli::add_sim_command(app, exit_code);
  quorum::cli::add_demo_command(app, exit_code);
  quorum::cli::add_start_command(app, exit_code);
  quorum::cli::add_bench_command(app, exit_code);
  quorum::cli::add_check_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
