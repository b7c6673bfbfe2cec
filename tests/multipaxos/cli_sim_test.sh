#!/bin/sh
# `quorum sim` for a log protocol from the command line (run by ctest).
#   cli_sim_test.sh json  QUORUM [PROTOCOL]        30 seeds, --json: exit 0 and the JSON contract fields
#   cli_sim_test.sh break QUORUM [PROTOCOL BREAK]  --break BREAK: exit non-zero, the violated
#                                                  property named, a replay: line that replays it
# PROTOCOL defaults to multipaxos, BREAK to commit-before-quorum.
set -u
mode=$1
bin=$2
proto=${3:-multipaxos}
brk=${4:-commit-before-quorum}

case "$mode" in
json)
  out=$("$bin" sim --protocol "$proto" --seeds 30 --json --jobs 2)
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: quorum sim exited $rc"
    printf '%s\n' "$out"
    exit 1
  fi
  printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
for field in ("protocol", "seeds", "violations", "ops_completed", "trace_hash", "faults"):
    assert field in j, "missing field %r in %s" % (field, sorted(j))
assert j["protocol"] == sys.argv[1], j["protocol"]
assert j["seeds"] == 30, j["seeds"]
assert j["violations"] == 0, j["failures"]
assert isinstance(j["ops_completed"], int) and j["ops_completed"] > 0, j["ops_completed"]
assert isinstance(j["trace_hash"], str) and len(j["trace_hash"]) > 0, j["trace_hash"]
int(j["trace_hash"], 16)
f = j["faults"]
for k in ("drops", "partition_drops", "duplicates", "reorders", "partitions", "crashes",
          "restarts", "lost_writes", "torn_writes", "bit_flips", "corruptions_detected"):
    assert isinstance(f.get(k), int), "faults.%s missing: %s" % (k, f)
assert f["crashes"] > 0 and f["partitions"] > 0, f
assert f["corruptions_detected"] == f["bit_flips"], f
for k in ("snapshots_taken", "snapshots_installed"):
    assert isinstance(j.get(k), int) and j[k] > 0, "%s: %r" % (k, j.get(k))
print("ok: %d seeds, %d ops, trace_hash %s, faults %s" %
      (j["seeds"], j["ops_completed"], j["trace_hash"], f))
' "$proto" || exit 1
  # Same seeds, same result.
  again=$("$bin" sim --protocol "$proto" --seeds 30 --json --jobs 1 | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["trace_hash"])')
  first=$(printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
print(json.load(sys.stdin)["trace_hash"])')
  if [ "$again" != "$first" ]; then
    echo "FAIL: trace_hash $first then $again for the same seeds"
    exit 1
  fi
  ;;
break)
  out=$("$bin" sim --protocol "$proto" --break "$brk" --seeds 60 --jobs 2 2>&1)
  rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "FAIL: --break $brk passed 60 seeds"
    printf '%s\n' "$out" | tail -20
    exit 1
  fi
  line=$(printf '%s\n' "$out" | grep -E 'VIOLATION (Agreement|Consistency|StateDivergence|OneValuePerBallot|Linearizability) ' | head -1)
  if [ -z "$line" ]; then
    echo "FAIL: exit $rc but no safety property named"
    printf '%s\n' "$out" | tail -40
    exit 1
  fi
  replay=$(printf '%s\n' "$out" | grep -E '^  replay: ' | head -1)
  if [ -z "$replay" ]; then
    echo "FAIL: no replay: line"
    printf '%s\n' "$out" | tail -40
    exit 1
  fi
  echo "caught: $line"
  echo "$replay"
  case "$replay" in
  *"sim --protocol $proto --seeds 1 --start-seed "*" --break $brk"*) ;;
  *) echo "FAIL: the replay line does not replay this run"; exit 1 ;;
  esac
  # The replay command reproduces the violation (same property, same seed).
  seed=$(printf '%s\n' "$replay" | sed -E 's/.*--start-seed ([0-9]+).*/\1/')
  property=$(printf '%s\n' "$line" | sed -E 's/.*VIOLATION ([A-Za-z]+) .*/\1/')
  rerun=$("$bin" sim --protocol "$proto" --seeds 1 --start-seed "$seed" --break "$brk" --json 2>/dev/null)
  rrc=$?
  if [ "$rrc" -eq 0 ]; then
    echo "FAIL: replaying seed $seed passed"
    exit 1
  fi
  printf '%s\n' "$rerun" | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
seed, prop = int(sys.argv[1]), sys.argv[2]
assert j["violations"] == 1, j
assert j["failures"][0]["seed"] == seed and j["failures"][0]["property"] == prop, (j["failures"], seed, prop)
print("replayed seed %d: %s" % (seed, prop))
' "$seed" "$property" || exit 1
  ;;
*)
  echo "usage: $0 json|break QUORUM_BINARY [PROTOCOL [BREAK]]" >&2
  exit 2
  ;;
esac
