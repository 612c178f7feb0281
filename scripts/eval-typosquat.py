#!/usr/bin/env python3
"""Measures the `names` check's typosquat detection on labelled data tollgate did not write.

Positives: every crates.io / PyPI / npm package whose corpus OSV record (MAL-*, RUSTSEC-*,
PYSEC-*) says "typosquat" in its summary or details (read from ../shared/corpus/osv/*/all.zip).
Negatives: (a) PyPI projects ranked 5,001-15,000 by downloads (hugovk/top-pypi-packages,
held out of the shipped list: real, legitimate packages the engine does not exempt), and
(b) every name on the shipped popular list (must never be flagged).

PyPI's own test cases (pypi/warehouse test_typosnyper.py) and typomania's are unit tests
in crates/tollgate-policy/src/typosquat.rs.

Usage: scripts/eval-typosquat.py [CORPUS_DIR] [UNPACKED_POPULAR_DIR]
       (defaults: /work/shared/corpus and /tmp/corpus/popular)
Prints per-name results for the flagged negatives and missed positives, then the totals.
"""
import json
import pathlib
import re
import subprocess
import sys
import zipfile

corpus = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus")
popular_dir = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/corpus/popular")
root = pathlib.Path(__file__).resolve().parent.parent

rows = []
seen = set()
for eco_dir in sorted((corpus / "osv").iterdir()):
    with zipfile.ZipFile(eco_dir / "all.zip") as z:
        for member in z.namelist():
            record = json.loads(z.read(member))
            text = (record.get("summary", "") + " " + record.get("details", "")).lower()
            if not re.search(r"typo[- ]?squat", text):
                continue
            for affected in record.get("affected", []):
                pkg = affected.get("package", {})
                key = (pkg.get("ecosystem"), pkg.get("name"))
                if None not in key and key not in seen:
                    seen.add(key)
                    rows.append(("pos", *key))

pypi = [r["project"] for r in json.load(open(popular_dir / "top-pypi-packages.min.json"))["rows"]]
rows += [("neg", "PyPI", name) for name in pypi[5000:15000]]
section = None
for line in (root / "crates/tollgate-policy/data/popular-names.txt").read_text().splitlines():
    if line.startswith("["):
        section = line.strip("[]")
    elif line and not line.startswith("#"):
        rows.append(("neg-shipped", section, line))

stdin = "".join(f"{label}\t{eco}\t{name}\n" for label, eco, name in rows)
result = subprocess.run(
    ["cargo", "run", "-q", "-p", "tollgate-policy", "--example", "typosquat_eval"],
    input=stdin, capture_output=True, text=True, cwd=root, check=True,
)
lines = result.stdout.splitlines()
by_label = {}
for line in lines[:-1]:
    label, eco, name, target, technique = line.split("\t")
    by_label.setdefault(label, []).append((eco, name, target, technique))
for label, entries in sorted(by_label.items()):
    flagged = [e for e in entries if e[2]]
    print(f"{label}: {len(flagged)}/{len(entries)} flagged")
    if label == "pos":
        for eco, name, target, technique in entries:
            print(f"  {'HIT ' if target else 'MISS'} {eco} {name}" + (f" -> {target} ({technique})" if target else ""))
    else:
        for eco, name, target, technique in flagged:
            print(f"  FP {eco} {name} -> {target} ({technique})")
print(lines[-1])
