#!/bin/sh
# `quorum check --protocol paxos` from the command line (run by ctest).
#   cli_check_test.sh json  QUORUM   --json: exit 0, complete, 0 violations, the contract fields
#   cli_check_test.sh break QUORUM   every --break: exit 1, the property named, a trace
set -u
mode=$1
bin=$2

case "$mode" in
json)
  out=$("$bin" check --protocol paxos --learner consecutive --json)
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: quorum check exited $rc"
    printf '%s\n' "$out"
    exit 1
  fi
  printf '%s\n' "$out" | python3 -c '
import json, sys
j = json.load(sys.stdin)
for field in ("protocol", "states", "violations", "complete", "transitions", "depth", "seconds"):
    assert field in j, "missing field %r in %s" % (field, sorted(j))
assert j["protocol"] == "paxos" and j["learner"] == "consecutive", j
assert j["complete"] is True and j["violations"] == 0, j
assert j["states"] > 100000, j
print("ok:", j)
' || exit 1
  ;;
break)
  for b in accept-without-promise no-value-adoption minority-quorum consecutive-with-gaps; do
    out=$("$bin" check --protocol paxos --break "$b")
    rc=$?
    if [ "$rc" -ne 1 ]; then
      echo "FAIL: --break $b exited $rc, expected 1"
      printf '%s\n' "$out"
      exit 1
    fi
    printf '%s\n' "$out" | grep -q "VIOLATION \(Agreement\|Consistency\|Validity\|PromiseIntegrity\)" ||
      { echo "FAIL: --break $b: no violated property named"; printf '%s\n' "$out"; exit 1; }
    printf '%s\n' "$out" | grep -q "^    1\. " ||
      { echo "FAIL: --break $b: no trace"; printf '%s\n' "$out"; exit 1; }
    echo "ok: --break $b: $(printf '%s\n' "$out" | grep VIOLATION)"
  done
  for b in skip-phase1-on-takeover apply-out-of-order; do
    out=$("$bin" check --protocol multipaxos --break "$b")
    rc=$?
    [ "$rc" -eq 1 ] || { echo "FAIL: multipaxos --break $b exited $rc"; printf '%s\n' "$out"; exit 1; }
    printf '%s\n' "$out" | grep -q "VIOLATION" || { echo "FAIL: multipaxos --break $b"; exit 1; }
    echo "ok: multipaxos --break $b: $(printf '%s\n' "$out" | grep VIOLATION)"
  done
  "$bin" check --protocol nope >/dev/null 2>&1
  [ $? -eq 2 ] || { echo "FAIL: unknown protocol should exit 2"; exit 1; }
  ;;
*)
  echo "usage: $0 json|break QUORUM"
  exit 2
  ;;
esac
