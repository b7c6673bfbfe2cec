#!/usr/bin/env python3
"""How much sooner does the consecutive learner decide than the classic one?

Runs `quorum sim --protocol paxos` seed by seed with each learner. A seed's two
runs are identical until the consecutive learner first learns where the
classic one cannot yet (learning stops the proposers), so the per-seed
difference in the first decision's tick is exactly what the rule gains.
Only seeds whose classic run had a leader change (two or more ballots in
phase 2) are counted.

    bench/consecutive_learner.py [SEEDS]     (default 500; run from the repo root)
"""
import json, os, subprocess, statistics, sys

QUORUM = os.environ.get("QUORUM", "./build/bin/quorum")
n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
diffs = []; contended = 0; sooner = 0; later = 0
for seed in range(1, n + 1):
    r = {}
    for l in ("classic", "consecutive"):
        out = subprocess.run([QUORUM, "sim", "--protocol", "paxos", "--seeds", "1",
                              "--start-seed", str(seed), "--learner", l, "--json", "--jobs", "1"],
                             capture_output=True, text=True).stdout
        r[l] = json.loads(out)["decisions"]
    if r["classic"]["contended_runs"] != 1:
        continue
    contended += 1
    d = r["classic"]["median_tick"] - r["consecutive"]["median_tick"]
    diffs.append(d)
    if d > 0: sooner += 1
    if d < 0: later += 1
print(f"seeds 1..{n}: {contended} with a leader change (classic run); consecutive decided sooner in {sooner}, later in {later}, same tick in {contended - sooner - later}")
pos = [d for d in diffs if d > 0]
print(f"mean gain over all contended: {statistics.mean(diffs):.2f} ticks; among the sooner ones: mean {statistics.mean(pos):.1f}, median {statistics.median(pos):.1f}, max {max(pos)}")
