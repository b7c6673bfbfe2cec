#!/usr/bin/env python3
"""Fails if the Dafny proofs under a directory rely on anything unproved.

Four things let a Dafny file take a claim on faith: an `assume` statement,
an `{:axiom}` attribute, a `{:verify false}` attribute (the declaration is
not checked, but its contract is used), and a lemma, method or function
declared without a body, whose ensures clauses Dafny then believes. This
script rejects all four. The first three are rejected anywhere in any file
under the directory, comments included, so that `grep -r assume DIR` stays
empty too. Bodies are
found in Dafny's own printout of each parsed file (`/dprint`), which puts a
body's opening brace alone on the line after the specification, so that
neither a set display in an ensures clause nor a comment can pass for one.

usage: check_proofs.py DIR [DAFNY]
"""

import pathlib
import re
import subprocess
import sys

HEADER = re.compile(
    r"^(?P<indent>\s*)(?:(?:ghost|static|protected|inductive|twostate|abstract)\s+)*"
    r"(?P<kind>lemma|colemma|method|constructor|function|predicate|copredicate)\b"
    r"(?:\s+method\b)?(?:\s*\{:[^}]*\})*\s*(?P<name>[A-Za-z_][A-Za-z0-9_'?]*)"
)


def bodiless(printed):
    """Yields 'kind name' for each callable the printout shows without a body."""
    lines = printed.splitlines()
    for i, line in enumerate(lines):
        m = HEADER.match(line)
        if not m:
            continue
        indent = len(m.group("indent"))
        j = i + 1
        while j < len(lines) and lines[j].strip() and \
                len(lines[j]) - len(lines[j].lstrip()) > indent:
            j += 1
        if j >= len(lines) or lines[j] != " " * indent + "{":
            yield f"{m.group('kind')} {m.group('name')}"


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    root = pathlib.Path(sys.argv[1])
    dafny = sys.argv[2] if len(sys.argv) == 3 else "dafny"
    files = sorted(p for p in root.rglob("*") if p.is_file())
    proofs = [p for p in files if p.suffix == ".dfy"]
    if not proofs:
        print(f"check_proofs: no .dfy file under {root}", file=sys.stderr)
        return 1
    problems = []
    for path in files:
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "assume" in line:
                problems.append(f"{path}:{n}: 'assume'")
            if re.search(r"\{\s*:\s*axiom\b", line):
                problems.append(f"{path}:{n}: '{{:axiom}}'")
            if re.search(r"\{\s*:\s*verify\s+false\b", line):
                problems.append(f"{path}:{n}: '{{:verify false}}'")
    for path in proofs:
        run = subprocess.run([dafny, "/noVerify", "/compile:0", "/dprint:-", path.name],
                             cwd=path.parent, capture_output=True, text=True)
        if run.returncode != 0:
            problems.append(f"{path}: dafny could not parse it:\n{run.stdout}{run.stderr}")
            continue
        # The printout includes the files this one includes; each of those is
        # also checked on its own, so report only once per declaration.
        for decl in bodiless(run.stdout):
            problems.append(f"{path} (or a file it includes): {decl} has no body")
    for p in sorted(set(problems)):
        print(p)
    print(f"check_proofs: {len(set(problems))} problem(s) in {len(files)} file(s), "
          f"{len(proofs)} Dafny")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
