// Subcommands of the `quorum` binary (DESIGN.md section 5). Each registers
// itself on the CLI11 app and, when selected, stores its exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace quorum::cli {

void add_sim_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_start_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_check_command(CLI::App& app, int& exit_code);

}  // namespace quorum::cli
