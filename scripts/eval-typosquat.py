#!/usr/bin/env python3
"""Measures the `names` check's typosquat detection on labelled data tollgate did not write.

Positives (`scripts/typosquat-eval/labels.tsv`, hand-labelled, see the README there):
  - PyPI: the malicious packages of lxyeternal/pypi_malregistry (corpus
    `malware-pypi.tar.gz`, its `manifest.json` only) whose name clearly imitates a popular
    project, with the intended target;
  - crates.io: the crates whose corpus OSV record (`osv/*/all.zip`) says "typosquat" and
    names or clearly implies the crate it imitates;
  - npm: the squats of public incident write-ups (the 2017 `hacktask` takedown, 2020
    reports), marked as reconstructions (the corpus has no npm squat records).
  A positive counts as found when the check names one of its labelled targets.
Negatives:
  - every distinct registry package locked by the real projects' lockfiles in the corpus
    (`lockfiles.tar.gz`), judged by the `names` check itself: legitimate dependencies, which
    must almost never be called squats;
  - every name on the shipped popular list (must never be flagged).

Held out (a second run): the shipped list with PyPI cut to the top 5,000, and PyPI ranks
5,001-15,000 as negatives: real, less popular projects that are not on the list, as a
project's own dependencies may not be. Recall is measured again on that shorter list.

Also checked: every OSV "typosquat" record's package is in the labels (or listed as
unlabelled: a record that names no imitated crate).

Usage: scripts/eval-typosquat.py [CORPUS_DIR] [UNPACKED_DIR]
       (defaults: /work/shared/corpus and /tmp/corpus; UNPACKED_DIR holds the unpacked
       `lockfiles/` and `malware-pypi/manifest.json`; missing parts are unpacked there:
       `tar -xzf lockfiles.tar.gz`, and from the malware archive only the manifest)
Prints missed positives, wrong targets and flagged negatives, then the totals.
"""
import json
import pathlib
import re
import subprocess
import sys
import zipfile

corpus = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/corpus")
unpacked = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/corpus")
root = pathlib.Path(__file__).resolve().parent.parent

unpacked.mkdir(parents=True, exist_ok=True)
if not (unpacked / "lockfiles").is_dir():
    subprocess.run(["tar", "-xzf", corpus / "lockfiles.tar.gz", "-C", unpacked], check=True)
manifest = unpacked / "malware-pypi/manifest.json"
if not manifest.exists():
    # Only the manifest: the samples are live malware and stay packed.
    subprocess.run(["tar", "-xzf", corpus / "malware-pypi.tar.gz", "-C", unpacked,
                    "malware-pypi/manifest.json"], check=True)
clusters = {e["name"].lower(): e["cluster"] for e in json.load(open(manifest))}

labels = []
for line in (root / "scripts/typosquat-eval/labels.tsv").read_text().splitlines():
    if line and not line.startswith("#"):
        eco, name, targets, source = line.split("\t")
        labels.append((eco, name, targets, source))
        if source == "malregistry" and name.lower() not in clusters:
            sys.exit(f"label {name} is not in the malware manifest")

labelled = {(eco, name) for eco, name, _, _ in labels}
unlabelled = []
for eco_dir in sorted((corpus / "osv").iterdir()):
    with zipfile.ZipFile(eco_dir / "all.zip") as z:
        for member in z.namelist():
            record = json.loads(z.read(member))
            text = (record.get("summary", "") + " " + record.get("details", "")).lower()
            if re.search(r"typo[- ]?squat", text):
                for affected in record.get("affected", []):
                    key = (affected["package"]["ecosystem"], affected["package"]["name"])
                    if key not in labelled:
                        unlabelled.append(f"{record['id']} {key[1]}")

rows = [("pos", eco, name, targets) for eco, name, targets, _ in labels]
section = None
for line in (root / "crates/tollgate-policy/data/popular-names.txt").read_text().splitlines():
    if line.startswith("["):
        section = line.strip("[]")
    elif line and not line.startswith("#"):
        rows.append(("neg-shipped", section, line, ""))
lockfiles = sorted(str(p) for p in (unpacked / "lockfiles").glob("*/*/*")
                   if p.name not in ("package.json", "Cargo.toml", "pyproject.toml"))

stdin = "".join(f"{label}\t{eco}\t{name}\t{targets}\n" for label, eco, name, targets in rows)
result = subprocess.run(
    ["cargo", "run", "-q", "--release", "-p", "tollgate-policy", "--example", "typosquat_eval",
     "--", *lockfiles],
    input=stdin, capture_output=True, text=True, cwd=root, check=True,
)
lines = result.stdout.splitlines()
by_label = {}
for line in lines[:-1]:
    label, eco, name, target, technique, right = line.split("\t")
    by_label.setdefault(label, []).append((eco, name, target, technique, right == "1"))

source_of = {(eco, name): source for eco, name, _, source in labels}
techniques = {}
for label, entries in sorted(by_label.items()):
    flagged = [e for e in entries if e[2]]
    print(f"{label}: {len(flagged)}/{len(entries)} flagged")
    if label == "pos":
        per_source = {}
        per_cluster = {}
        for eco, name, target, technique, right in entries:
            source = source_of[(eco, name)]
            hits, total = per_source.get(source, (0, 0))
            per_source[source] = (hits + right, total + 1)
            if right:
                techniques[technique] = techniques.get(technique, 0) + 1
            if source == "malregistry":
                cluster = clusters[name.lower()]
                per_cluster[cluster] = per_cluster.get(cluster, False) or right
            if not right:
                print(f"  {'WRONG' if target else 'MISS '} {eco} {name}"
                      + (f" -> {target} ({technique})" if target else ""))
        for source, (hits, total) in sorted(per_source.items()):
            print(f"  {source}: {hits}/{total} = {hits / total:.3f}")
        if per_cluster:
            found = sum(per_cluster.values())
            print(f"  malregistry per cluster: {found}/{len(per_cluster)} = "
                  f"{found / len(per_cluster):.3f}")
        print("  found by technique: " + ", ".join(
            f"{t} {n}" for t, n in sorted(techniques.items(), key=lambda kv: -kv[1])))
    else:
        for eco, name, target, technique, _ in flagged:
            print(f"  FP {eco} {name} -> {target} ({technique})")
# Held out: PyPI cut to the top 5,000; ranks 5,001-15,000 become negatives.
held_list, held_negatives, section, pypi_rank = [], [], None, 0
for line in (root / "crates/tollgate-policy/data/popular-names.txt").read_text().splitlines():
    if line.startswith("["):
        section = line.strip("[]")
    elif line and not line.startswith("#") and section == "PyPI":
        pypi_rank += 1
        if pypi_rank > 5000:
            held_negatives.append(line)
            continue
    held_list.append(line)
held_path = unpacked / "popular-names-held-out.txt"
held_path.write_text("\n".join(held_list) + "\n")
held_rows = [r for r in rows if r[0] == "pos"] + [("neg-held-out", "PyPI", n, "") for n in held_negatives]
held = subprocess.run(
    ["cargo", "run", "-q", "--release", "-p", "tollgate-policy", "--example", "typosquat_eval",
     "--", "--list", str(held_path)],
    input="".join(f"{label}\t{eco}\t{name}\t{targets}\n" for label, eco, name, targets in held_rows),
    capture_output=True, text=True, cwd=root, check=True,
).stdout.splitlines()
held_fp = [l.split("\t") for l in held[:-1] if l.startswith("neg-held-out") and l.split("\t")[3]]
held_right = sum(1 for l in held[:-1] if l.startswith("pos") and l.endswith("\t1"))
print(f"held out (PyPI list cut to 5,000): PyPI ranks 5,001-15,000 flagged "
      f"{len(held_fp)}/{len(held_negatives)} = {len(held_fp) / len(held_negatives):.4f}; "
      f"recall with that list {held_right}/{len(labels)} = {held_right / len(labels):.3f}")
for fields in held_fp:
    print(f"  held-out FP {fields[2]} -> {fields[3]} ({fields[4]})")

for record in unlabelled:
    print(f"unlabelled OSV typosquat record (names no imitated crate): {record}")
print(lines[-1])
