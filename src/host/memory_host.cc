// The host over the in-memory store, instantiated once for every user of it
// (the model checker, the scripted test harnesses).
#include "host/memory_store.h"
#include "host/replica_host_impl.h"
#include "multipaxos/protocol.h"
#include "vsr/protocol.h"

namespace quorum::host {

template class ReplicaHost<multipaxos::Protocol, MemoryStore<multipaxos::Protocol>>;
template class ReplicaHost<vsr::Protocol, MemoryStore<vsr::Protocol>>;

}  // namespace quorum::host
