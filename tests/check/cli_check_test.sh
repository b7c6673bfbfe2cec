#!/bin/sh
# `quorum check` from the command line (run by ctest): paxos json, every --break, and the default log-protocol checks.
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
  printf '%s\n' "$out" | /usr/bin/python3 -c '
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
  for b in dvc-single-message no-log-merge accept-gap; do
    out=$("$bin" check --protocol vsr --break "$b")
    rc=$?
    [ "$rc" -eq 1 ] || { echo "FAIL: vsr --break $b exited $rc"; printf '%s\n' "$out"; exit 1; }
    printf '%s\n' "$out" | grep -q "VIOLATION \(LogMatchesCommitted\|CommittedOpsNeverChange\)" ||
      { echo "FAIL: vsr --break $b"; printf '%s\n' "$out"; exit 1; }
    echo "ok: vsr --break $b: $(printf '%s\n' "$out" | grep VIOLATION)"
  done
  "$bin" check --protocol nope >/dev/null 2>&1
  [ $? -eq 2 ] || { echo "FAIL: unknown protocol should exit 2"; exit 1; }
  ;;
logs)
  # The default multipaxos and vsr checks: both phases run clean. How long
  # they take is measured by benchmarks (README), not asserted here: a busy
  # machine must not fail a correct build (ctest's timeout guards a hang).
  for p in multipaxos vsr; do
    out=$("$bin" check --protocol "$p" --json)
    rc=$?
    [ "$rc" -eq 0 ] || { echo "FAIL: check --protocol $p exited $rc"; printf '%s\n' "$out"; exit 1; }
    printf '%s\n' "$out" | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["protocol"] == sys.argv[1] and j["violations"] == 0, j
assert j["depth_exhausted"] and j["states"] > 100000, j
phases = j["phases"]
assert len(phases) == 2 and phases[0]["depth_exhausted"] and phases[1]["walks"] > 0, phases
print("ok: %s: %d states, %d transitions, depth %d, %.1fs" % (j["protocol"], j["states"], j["transitions"], j["depth"], j["seconds"]))
' "$p" || exit 1
  done
  ;;
*)
  echo "usage: $0 json|break|logs QUORUM"
  exit 2
  ;;
esac
