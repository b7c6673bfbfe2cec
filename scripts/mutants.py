#!/usr/bin/python3
"""Mutation testing: does each checker catch the classic consensus bugs?

Each file under mutants/<protocol>/ is a small source patch that reproduces
a known class of bug (see the comment at its top). For every mutant this
script applies the patch to a scratch copy of the tree, rebuilds the
`quorum` binary there (incrementally), and runs the checks users and CI run
by default:

  quorum sim   --protocol P --seeds 2000 --fail-fast --json
  quorum check --protocol P --json

A mutant is caught when either reports a violation. The report says which
caught it, after how many seeds (the first failing seed's position) or
states, and how long each took. The exit status is 0 only if every mutant
run was caught; a mutant whose text no longer matches the source, or that
does not build, is an error (exit 2), never a pass.

Mutant format (one or more hunks; the original text must occur exactly
once in the file):

  # what is broken, and the class of bug
  file: src/path/to/file.cc
  <<<<
  original lines
  ====
  replacement lines
  >>>>

Usage:
  scripts/mutants.py                          every mutant, a table on stdout
  scripts/mutants.py --protocol vsr           one protocol's mutants
  scripts/mutants.py --only vsr/merge-by-op-only
  scripts/mutants.py --sample 2 --rotate KEY  2 mutants picked by KEY (CI)
  scripts/mutants.py --json report.json       also write the results as JSON
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MUTANTS = os.path.join(ROOT, "mutants")
PROTOCOLS = ("paxos", "multipaxos", "vsr")
SIM_TIMEOUT_S = 1800
CHECK_TIMEOUT_S = 900
BUILD_TIMEOUT_S = 3600


class MutantError(Exception):
    pass


def parse_mutant(path):
    """Returns (description, [(file, original, replacement), ...])."""
    lines = open(path, encoding="utf-8").read().split("\n")
    description = " ".join(l[1:].strip() for l in lines if l.startswith("#"))
    hunks, file, i = [], None, 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("file:"):
            file = line[len("file:"):].strip()
        elif line == "<<<<":
            if file is None:
                raise MutantError(f"{path}: a hunk before any 'file:' line")
            end_old = lines.index("====", i)
            end_new = lines.index(">>>>", end_old)
            original = "\n".join(lines[i + 1:end_old]) + "\n"
            replacement = "\n".join(lines[end_old + 1:end_new]) + "\n"
            if end_new == end_old + 1:
                replacement = ""
            hunks.append((file, original, replacement))
            i = end_new
        i += 1
    if not hunks:
        raise MutantError(f"{path}: no hunks")
    return description, hunks


def all_mutants():
    out = []
    for protocol in PROTOCOLS:
        folder = os.path.join(MUTANTS, protocol)
        for name in sorted(os.listdir(folder)):
            if name.endswith(".mutant"):
                out.append((protocol, name[: -len(".mutant")], os.path.join(folder, name)))
    return out


def sync_scratch(scratch):
    """Copies the working tree's tracked files into scratch/, touching only
    files whose content differs, so the scratch build stays incremental."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in files:
        if not rel:
            continue
        src = os.path.join(ROOT, rel)
        dst = os.path.join(scratch, rel)
        if not os.path.isfile(src):
            continue
        data = open(src, "rb").read()
        if os.path.isfile(dst) and open(dst, "rb").read() == data:
            continue
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
        shutil.copymode(src, dst)


def build(scratch, log):
    build_dir = os.path.join(scratch, "build")
    if not os.path.isfile(os.path.join(build_dir, "build.ninja")):
        subprocess.run(["cmake", "-S", scratch, "-B", build_dir, "-G", "Ninja",
                        "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_CXX_FLAGS_RELEASE=-O2",
                        "-DCMAKE_CXX_COMPILER=g++", "-DQUORUM_TESTS=OFF", "-DQUORUM_BENCH=OFF",
                        "-DQUORUM_WERROR=OFF"],
                       check=True, stdout=log, stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
    started = time.monotonic()
    r = subprocess.run(["cmake", "--build", build_dir, "--target", "quorum"], stdout=log,
                       stderr=subprocess.STDOUT, timeout=BUILD_TIMEOUT_S)
    if r.returncode != 0:
        raise MutantError("the build failed (see the log)")
    return os.path.join(build_dir, "bin", "quorum"), time.monotonic() - started


def run_json(cmd, timeout):
    started = time.monotonic()
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - started, "timed out"
    seconds = time.monotonic() - started
    try:
        return json.loads(r.stdout.decode()), seconds, None
    except (ValueError, UnicodeDecodeError):
        tail = r.stderr.decode(errors="replace").strip().splitlines()[-3:]
        return None, seconds, f"exit {r.returncode}: " + " | ".join(tail)


def check_mutant(binary, protocol, seeds, quick):
    result = {}
    sim, secs, err = run_json([binary, "sim", "--protocol", protocol, "--seeds", str(seeds),
                               "--fail-fast", "--json"], SIM_TIMEOUT_S)
    result["sim_seconds"] = round(secs, 1)
    if sim is None:
        result["sim_error"] = err
    elif sim["violations"] > 0:
        first = sim["failures"][0]
        result["sim"] = {"seeds": sim["seeds"], "seed": first["seed"], "property": first["property"]}
    if quick and "sim" in result:
        return result
    check, secs, err = run_json([binary, "check", "--protocol", protocol, "--json"], CHECK_TIMEOUT_S)
    result["check_seconds"] = round(secs, 1)
    if check is None:
        result["check_error"] = err
    elif check.get("violation"):
        result["check"] = {"states": check["states"], "property": check["violation"]["property"]}
    return result


def apply_hunks(scratch, hunks):
    """Applies the hunks; returns the files' original contents to restore."""
    originals = {}
    for file, original, replacement in hunks:
        path = os.path.join(scratch, file)
        text = open(path, encoding="utf-8").read()
        originals.setdefault(path, text)
        count = text.count(original)
        if count != 1:
            raise MutantError(f"{file}: the original text occurs {count} times (update the mutant)")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text.replace(original, replacement))
    return originals


def restore(originals):
    for path, text in originals.items():
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def describe(r):
    if "error" in r:
        return "ERROR: " + r["error"]
    parts = []
    if "sim" in r:
        parts.append(f"sim: {r['sim']['property']} at seed {r['sim']['seed']} "
                     f"({r['sim']['seeds']} seeds, {r['sim_seconds']} s)")
    if "check" in r:
        parts.append(f"check: {r['check']['property']} ({r['check']['states']:,} states, "
                     f"{r['check_seconds']} s)")
    if not parts:
        parts.append("NOT CAUGHT")
    for key in ("sim_error", "check_error"):
        if key in r:
            parts.append(f"{key.replace('_', ' ')}: {r[key]}")
    return "; ".join(parts)


def markdown(results):
    out = ["| mutant | what it breaks | caught by | simulator (2,000 seeds) | model checker (default) |",
           "|---|---|---|---|---|"]
    for r in results:
        by = [k for k in ("sim", "check") if k in r]
        sim = (f"{r['sim']['property']}, seed {r['sim']['seed']}, {r['sim_seconds']} s" if "sim" in r
               else ("not caught, " + str(r.get("sim_seconds", "?")) + " s" if "sim_seconds" in r else "-"))
        check = (f"{r['check']['property']}, {r['check']['states']:,} states, {r['check_seconds']} s"
                 if "check" in r else ("not caught, " + str(r.get("check_seconds", "?")) + " s"
                                       if "check_seconds" in r else "-"))
        caught = " + ".join(by) if by else ("**error**" if "error" in r else "**none**")
        out.append(f"| {r['protocol']}/{r['name']} | {r['description']} | {caught} | {sim} | {check} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--protocol", choices=PROTOCOLS)
    ap.add_argument("--only", nargs="*", default=[], help="protocol/name of the mutants to run")
    ap.add_argument("--sample", type=int, default=0, help="run this many mutants, picked by --rotate")
    ap.add_argument("--rotate", default="", help="key that picks the sample (e.g. a commit hash)")
    ap.add_argument("--seeds", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="skip the model check when the simulator caught it")
    ap.add_argument("--scratch", default=os.path.join(ROOT, "build-mutants"))
    ap.add_argument("--json", help="write the results to this file")
    args = ap.parse_args()

    mutants = all_mutants()
    if args.protocol:
        mutants = [m for m in mutants if m[0] == args.protocol]
    if args.only:
        mutants = [m for m in mutants if f"{m[0]}/{m[1]}" in args.only]
        missing = set(args.only) - {f"{m[0]}/{m[1]}" for m in mutants}
        if missing:
            sys.exit(f"mutants: no such mutant: {', '.join(sorted(missing))}")
    if args.sample:
        start = int(hashlib.sha256(args.rotate.encode()).hexdigest(), 16) % len(mutants)
        mutants = [mutants[(start + i) % len(mutants)] for i in range(min(args.sample, len(mutants)))]

    os.makedirs(args.scratch, exist_ok=True)
    log_path = os.path.join(args.scratch, "build.log")
    sync_scratch(args.scratch)
    results, failed = [], False
    with open(log_path, "a") as log:
        binary, secs = build(args.scratch, log)  # the unmutated tree, once
        print(f"mutants: scratch tree built in {secs:.0f} s ({args.scratch})", flush=True)
        for protocol, name, path in mutants:
            r = {"protocol": protocol, "name": name}
            originals = {}
            try:
                r["description"], hunks = parse_mutant(path)
                originals = apply_hunks(args.scratch, hunks)
                binary, r["build_seconds"] = build(args.scratch, log)
                r.update(check_mutant(binary, protocol, args.seeds, args.quick))
            except (MutantError, subprocess.SubprocessError) as e:
                r["error"] = str(e)
            finally:
                restore(originals)
            failed |= "error" in r or ("sim" not in r and "check" not in r)
            results.append(r)
            print(f"{protocol}/{name}: {describe(r)}", flush=True)
        build(args.scratch, log)  # leave the scratch binary unmutated
    print()
    print(markdown(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    if any("error" in r for r in results):
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
