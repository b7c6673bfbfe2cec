#!/usr/bin/env bash
# Multi-Paxos beside VSR, in one run on one machine: 3 replicas on loopback,
# fsync on, 16-byte SETs, 50 clients, at pipeline depth 1 and 16. Runs
# alternate between the protocols so drift in a noisy machine hits both.
# Every figure is the median of RUNS runs (default 3) of DURATION seconds.
#
#   bench/log_protocols.sh [build/bin/quorum]
# Prints one JSON line per run on stderr and a summary table on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
quorum="${1:-$here/../build/bin/quorum}"
runs="${RUNS:-3}"
duration="${DURATION:-10}"
work="$(mktemp -d /tmp/quorum-logs.XXXXXX)"
trap 'rm -rf "$work"' EXIT

for pipeline in 1 16; do
  for proto in multipaxos vsr; do : >"$work/$proto-$pipeline"; done
  for _ in $(seq 1 "$runs"); do
    for proto in multipaxos vsr; do
      "$quorum" bench --protocol "$proto" --clients 50 --pipeline "$pipeline" --value-bytes 16 \
        --duration "$duration" --json >>"$work/$proto-$pipeline"
      tail -1 "$work/$proto-$pipeline" >&2
    done
  done
done

printf '%-40s %8s %9s %9s %9s\n' "" "SET/s" "p50 us" "p99 us" "p99.9 us"
for pipeline in 1 16; do
  for proto in multipaxos vsr; do
    python3 -c 'import json,sys,statistics
rows=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]
pick=lambda k: statistics.median(r[k] for r in rows)
print("%-40s %8.0f %9.0f %9.0f %9.0f" % (sys.argv[2], pick("ops_per_sec"), pick("p50_us"), pick("p99_us"), pick("p999_us")))' \
      "$work/$proto-$pipeline" "$proto, 3 replicas, fsync, 50 clients, pipeline $pipeline"
  done
done
