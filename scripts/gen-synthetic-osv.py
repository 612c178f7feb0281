#!/usr/bin/env python3
"""Writes a synthetic OSV export the size of npm's real one, for import benchmarks.

The public npm export (`npm/all.zip`) is about 142 MB zipped, mostly MAL-* records. This
script cycles through the corpus's npm and crates.io records (re-labelled as npm), giving
each copy a new id, a new package name and shifted versions, and a details text with
random (poorly compressible) content so that the zip's compression ratio stays close to
the real export's. It stops once the zip reaches --size-mb.

Usage: scripts/gen-synthetic-osv.py [--size-mb 142] [--out target/synthetic-npm/all.zip]
Never write the output into the repository: the default is under target/.
"""

import argparse
import base64
import copy
import json
import os
import random
import sys
import zipfile

CORPUS = os.environ.get("CORPUS", "/work/shared/corpus")


def load_templates():
    templates = []
    for ecosystem in ("npm", "crates.io"):
        with zipfile.ZipFile(os.path.join(CORPUS, "osv", ecosystem, "all.zip")) as archive:
            for name in archive.namelist():
                if name.endswith(".json"):
                    record = json.loads(archive.read(name))
                    if not record.get("withdrawn"):
                        templates.append(record)
    return templates


def shift(version, offset):
    """Shifts the major version of a semver string so that copies do not coincide."""
    if version == "0":
        return version
    head, sep, rest = version.partition(".")
    if head.isdigit():
        return f"{int(head) + offset}{sep}{rest}"
    return version


def synthesize(template, index, rng):
    record = copy.deepcopy(template)
    prefix = "MAL" if index % 10 < 7 else "GHSA"  # the real export is mostly MAL records
    record["id"] = f"{prefix}-SYN-{index}"
    record["aliases"] = [f"CVE-SYN-{index}"] if prefix == "GHSA" else []
    record["details"] = base64.b64encode(rng.randbytes(rng.randint(300, 900))).decode()
    offset = index % 7
    for affected in record.get("affected", []):
        package = affected.get("package", {})
        package["ecosystem"] = "npm"
        package["name"] = f"{package.get('name', 'pkg')}-syn{index}"
        for range_ in affected.get("ranges", []):
            for event in range_.get("events", []):
                for key in event:
                    event[key] = shift(event[key], offset)
        affected["versions"] = [shift(v, offset) for v in affected.get("versions", [])]
    return record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=float, default=142.0)
    parser.add_argument("--out", default="target/synthetic-npm/all.zip")
    args = parser.parse_args()
    target = int(args.size_mb * 1024 * 1024)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    templates = load_templates()
    rng = random.Random(42)
    count = 0
    with zipfile.ZipFile(args.out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        while archive.fp.tell() < target:
            record = synthesize(templates[count % len(templates)], count, rng)
            archive.writestr(f"{record['id']}.json", json.dumps(record, indent=2))
            count += 1
    print(f"{args.out}: {count} records, {os.path.getsize(args.out) / 1e6:.1f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
