#!/bin/sh
# `quorum bench --target` against a redis-server this script starts on a free
# loopback port (run by ctest):
#   cli_bench_test.sh QUORUM REDIS_SERVER
# Checks the exit code and the JSON contract fields (DESIGN.md section 5).
# The server is stopped by its pid, also when the script fails.
set -u
bin=$1
redis=$2

dir=$(mktemp -d /tmp/quorum-bench-test-XXXXXX) || exit 1
pid=
cleanup() {
  if [ -n "$pid" ]; then
    kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  fi
  rm -rf "$dir"
}
trap cleanup EXIT INT TERM

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$redis" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" >"$dir/redis.log" 2>&1 &
pid=$!

# Ready when it answers PING; at most 10 s.
i=0
until /usr/bin/python3 - "$port" <<'PY'
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.5)
    s.sendall(b"PING\r\n")
    sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
do
  i=$((i + 1))
  if [ "$i" -ge 100 ]; then
    echo "FAIL: redis-server did not come up on port $port"
    cat "$dir/redis.log"
    exit 1
  fi
  sleep 0.1
done

out=$(timeout 60 "$bin" bench --target "127.0.0.1:$port" --duration 1 --warmup 0.2 --clients 8 --json)
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL: quorum bench exited $rc"
  printf '%s\n' "$out"
  exit 1
fi
printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
text = sys.stdin.read()
assert text.count("\n") == 1, "want exactly one line of JSON, got %r" % text
j = json.loads(text)
for field, kind in (("ops_per_sec", (int, float)), ("p50_us", int), ("p99_us", int), ("p999_us", int),
                    ("replicas", int), ("fsync", bool), ("clients", int), ("value_bytes", int),
                    ("pipeline", int), ("read_ratio", (int, float)), ("duration_s", (int, float)),
                    ("ops", int), ("errors", dict), ("target", str)):
    assert field in j, "missing field %r in %s" % (field, sorted(j))
    assert isinstance(j[field], kind), "%s is %r" % (field, j[field])
assert j["target"] == "127.0.0.1:" + sys.argv[1], j["target"]
assert j["replicas"] == 1, j["replicas"]
assert j["clients"] == 8 and j["pipeline"] == 1 and j["value_bytes"] == 16, j
assert j["duration_s"] == 1, j["duration_s"]
assert j["ops"] > 0 and j["ops_per_sec"] > 0, j
assert j["errors"] == {}, j["errors"]
assert 0 < j["p50_us"] <= j["p99_us"] <= j["p999_us"], j
print("ok: %d ops, %.0f ops/s, p50 %d us, p99 %d us" % (j["ops"], j["ops_per_sec"], j["p50_us"], j["p99_us"]))
' "$port" || exit 1

# The text report names the numbers too.
text=$(timeout 60 "$bin" bench --target "127.0.0.1:$port" --duration 0.3 --warmup 0 --clients 2 --pipeline 4)
rc=$?
if [ "$rc" -ne 0 ]; then
  echo "FAIL: quorum bench (text) exited $rc"
  exit 1
fi
for word in throughput "latency (us)" errors; do
  case "$text" in
  *"$word"*) ;;
  *) echo "FAIL: text report lacks '$word':"; printf '%s\n' "$text"; exit 1 ;;
  esac
done

# A bad target is a usage error, not a hang.
timeout 10 "$bin" bench --target "no-port-here" --duration 0.1 >/dev/null 2>&1
rc=$?
if [ "$rc" -ne 2 ]; then
  echo "FAIL: a malformed --target exited $rc, want 2"
  exit 1
fi
echo "ok: text report and usage error"
