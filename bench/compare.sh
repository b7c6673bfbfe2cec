#!/usr/bin/env bash
# The README's comparison, in one run on one machine (run it on a quiet one):
#   1. quorum, 3 replicas on loopback, fsync on, 16-byte SETs, 50 clients
#   2. etcd 3.4 (Debian's etcd-server), 3 members on loopback, 50 clients
#   3. Redis, one node, appendonly yes + appendfsync always (the ceiling of
#      a single unreplicated durable node), 50 clients
#   4. quorum as in 1 with pipeline depth 16
#   5. Redis as in 3 with pipeline depth 16
# Every figure is the median of RUNS runs (default 3) of DURATION seconds.
#
#   bench/compare.sh [build/bin/quorum]
# Prints one JSON line per run on stderr and a summary table on stdout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
quorum="${1:-$here/../build/bin/quorum}"
runs="${RUNS:-3}"
duration="${DURATION:-10}"

work="$(mktemp -d /tmp/quorum-compare.XXXXXX)"
redis_pid=""
cleanup() {
  if [ -n "$redis_pid" ]; then kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

median() { python3 -c 'import json,sys,statistics
rows=[json.loads(l) for l in sys.stdin if l.strip()]
pick=lambda k: statistics.median(r[k] for r in rows)
print("%8.0f %9.0f %9.0f %9.0f" % (pick("ops_per_sec"), pick("p50_us"), pick("p99_us"), pick("p999_us")))'; }

run_n() {  # label, command...
  local label="$1"; shift
  : >"$work/rows"
  for _ in $(seq 1 "$runs"); do
    "$@" >>"$work/rows"
    tail -1 "$work/rows" >&2
  done
  printf '%-48s %s\n' "$label" "$(median <"$work/rows")"
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
  --dir "$work" >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "each: median of $runs runs of ${duration} s, 16-byte values, 100,000 keys"
printf '%-48s %8s %9s %9s %9s\n' "" "SET/s" "p50 us" "p99 us" "p99.9 us"
run_n "quorum, 3 replicas, fsync, 50 clients" \
  "$quorum" bench --clients 50 --duration "$duration" --json
run_n "etcd 3.4, 3 members, 50 clients" \
  "$here/etcd/run.sh" -clients 50 -conns 50 -duration "${duration}s" -json
run_n "redis, 1 node, appendfsync always, 50 clients" \
  "$quorum" bench --target "127.0.0.1:$port" --clients 50 --duration "$duration" --json
run_n "quorum, 3 replicas, fsync, 50 clients, pipeline 16" \
  "$quorum" bench --clients 50 --pipeline 16 --duration "$duration" --json
run_n "redis, appendfsync always, 50 clients, pipeline 16" \
  "$quorum" bench --target "127.0.0.1:$port" --clients 50 --pipeline 16 --duration "$duration" --json
