// The simulated single-decree Paxos demo (`quorum demo --simulated`).
#pragma once

namespace quorum::cli {

// Prints the narrated run; 0 if Paxos chose one value and every node learned it.
int run_paxos_demo();

}  // namespace quorum::cli
