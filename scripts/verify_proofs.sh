#!/usr/bin/env bash
# Verifies every Dafny file under proofs/, subdirectories included (make
# proofs, and the proofs.verify ctest), then checks that none of them takes anything on faith
# (scripts/check_proofs.py). Prints one line per file with its time.
#
# usage: scripts/verify_proofs.sh [DIR]   (DIR defaults to proofs/)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/proofs}
# Per proof obligation. Each takes seconds; a change that makes Z3 search
# without end then fails here instead of hanging CI.
time_limit_s=${DAFNY_TIME_LIMIT_S:-300}

command -v dafny >/dev/null || { echo "verify_proofs: dafny not found (run scripts/bootstrap.sh)"; exit 1; }

seconds() { printf '%4d.%d s' $(( $1 / 1000 )) $(( $1 % 1000 / 100 )); }

failed=0
total_start_ms=$(( $(date +%s%N) / 1000000 ))
while IFS= read -r f; do
  start_ms=$(( $(date +%s%N) / 1000000 ))
  rc=0
  out=$(cd "$(dirname "$f")" && dafny /compile:0 /vcsCores:1 /timeLimit:"$time_limit_s" "$(basename "$f")" </dev/null 2>&1) || rc=$?
  elapsed_ms=$(( $(date +%s%N) / 1000000 - start_ms ))
  # Debian's Dafny 2.3 sets a Z3 option (model_compress) that Z3 4.8.12 no
  # longer has. Z3 rejects that one option, lists its legal ones and carries
  # on, so the verdict is unaffected; drop the noise.
  out=$(printf '%s\n' "$out" | grep -v -E "^Prover error: .*'model_compress'$|^Legal parameters are:$|^  [a-z0-9_.]+ \((bool|unsigned int|string)\)" || true)
  verdict=$(printf '%s\n' "$out" | grep -E "^Dafny program verifier finished with" || true)
  if [ "$rc" -ne 0 ] || ! printf '%s\n' "$verdict" | grep -q -E "verified, 0 errors$"; then
    printf '%s\n' "$out"
    printf 'FAIL %-26s %s\n' "${f#"$dir"/}" "$(seconds "$elapsed_ms")"
    failed=1
  else
    printf 'ok   %-26s %s  %s\n' "${f#"$dir"/}" "$(seconds "$elapsed_ms")" "${verdict#Dafny program verifier finished with }"
  fi
done < <(find "$dir" -name '*.dfy' | sort)
echo "verify_proofs: all files in $(seconds $(( $(date +%s%N) / 1000000 - total_start_ms )))"

/usr/bin/python3 "$root/scripts/check_proofs.py" "$dir" || failed=1
exit $failed
