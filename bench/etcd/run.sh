#!/usr/bin/env bash
# The etcd side of the README's comparison: three etcd 3.4 members (Debian's
# etcd-server) on loopback with their default durability (fsync per commit),
# loaded by etcd_bench (closed-loop Put clients) pointed at the leader.
#
#   bench/etcd/run.sh [etcd_bench flags...]      e.g. -clients 50 -duration 10s -json
#
# Installs etcd-server, etcd-client, golang-go and golang-etcd-server-dev from
# Debian if missing (not part of `make` bootstrap: only this comparison needs
# them). Stops only the etcd processes it started, by PID.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

need=()
for p in etcd-server etcd-client golang-go golang-etcd-server-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "etcd bench: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work="$(mktemp -d /tmp/quorum-etcd-bench.XXXXXX)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Debian's Go packages live in a GOPATH tree; build without modules against it.
GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$work/gocache" \
  go build -o "$work/etcd_bench" "$here/etcd_bench.go"

base=${ETCD_BENCH_PORT:-23790}
cluster=""
for i in 1 2 3; do cluster+="${cluster:+,}m$i=http://127.0.0.1:$((base + 2 * i))"; done
for i in 1 2 3; do
  etcd --name "m$i" --data-dir "$work/m$i" \
    --listen-peer-urls "http://127.0.0.1:$((base + 2 * i))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((base + 2 * i))" \
    --listen-client-urls "http://127.0.0.1:$((base + 2 * i + 1))" \
    --advertise-client-urls "http://127.0.0.1:$((base + 2 * i + 1))" \
    --initial-cluster "$cluster" --initial-cluster-state new \
    --log-level error >"$work/m$i.log" 2>&1 &
  pids+=($!)
done
endpoints=""
for i in 1 2 3; do endpoints+="${endpoints:+,}127.0.0.1:$((base + 2 * i + 1))"; done

leader=""
for _ in $(seq 1 100); do
  leader=$(ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint status -w json 2>/dev/null |
    python3 -c 'import json,sys
for e in json.load(sys.stdin):
    if e["Status"]["leader"] == e["Status"]["header"]["member_id"]: print(e["Endpoint"])' 2>/dev/null || true)
  [ -n "$leader" ] && break
  sleep 0.1
done
[ -n "$leader" ] || { echo "etcd bench: no leader elected" >&2; cat "$work"/m*.log >&2; exit 1; }
echo "etcd bench: $(etcd --version | head -1), 3 members, leader at $leader" >&2
"$work/etcd_bench" -endpoints "$leader" "$@"
