#!/usr/bin/env python3
"""Corpus check for `tollgate inventory`: every real lockfile under shared/corpus is inventoried and its
package set is compared with an independent count.

The independent count is written here in Python, with Python's own JSON and TOML parsers and plain text
scanning for the YAML and Yarn formats: a different language, different parsers and a different author
from the Rust parsers, so a shared bug is unlikely. For each file it compares the SET of
(normalized name, version) pairs, not just a count.

Usage: corpus_check.py TOLLGATE_BIN CORPUS_DIR WORK_DIR
Exit status: 0 when every well-formed file matches and every malformed file errors; 1 otherwise.
"""

import json
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
from collections import defaultdict
from pathlib import Path

# Peer-fixture folders of osv-scalibr and the canonical lockfile name each one's files are copied to.
PEER_DIRS = {
    "javascript/packagelockjson": "package-lock.json",
    "javascript/yarnlock": "yarn.lock",
    "javascript/pnpmlock": "pnpm-lock.yaml",
    "javascript/bunlock": "bun.lock",
    "python/pdmlock": "pdm.lock",
    "python/pipfilelock": "Pipfile.lock",
    "python/poetrylock": "poetry.lock",
    "python/pylock": "pylock.toml",
    "python/requirements": "requirements.txt",
    "python/uvlock": "uv.lock",
    "rust/cargolock": "Cargo.lock",
}

# Peer fixtures that are not lockfiles at all: tollgate must report an error for each.
MALFORMED = {"not-json.txt", "not-yaml.txt", "not-toml.txt", "bad-tuple.json5", "null.v2.jsontest", "empty-file"}


def pep503(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def is_registry_version(version):
    """A version an npm/PyPI registry could serve: not a git, file, link, URL or templated spec."""
    return bool(version) and not any(c in version for c in ":/#$*")


def split_at_version(spec):
    """`@scope/name@1.0.0` -> (`@scope/name`, `1.0.0`); the first `@` after the name ends it."""
    at = spec.find("@", 1)
    if at <= 0:
        return spec, ""
    return spec[:at], spec[at + 1:]


# ---- independent counters: each returns a set of (name, version) ----

def count_cargo(text):
    doc = tomllib.loads(text)
    return {
        (p["name"], p["version"])
        for p in doc.get("package", [])
        if p.get("source", "").startswith(("registry+", "sparse+"))
    }


def count_package_lock(text):
    doc = json.loads(text)
    found = set()
    if "packages" in doc and doc.get("lockfileVersion", 1) >= 2:
        for key, entry in doc["packages"].items():
            if key == "" or entry.get("link") or "node_modules/" not in key:
                continue
            name = entry.get("name") or key.rsplit("node_modules/", 1)[1]
            resolved = entry.get("resolved", "")
            if resolved.startswith(("git", "file:")) or not is_registry_version(entry.get("version", "")):
                continue
            found.add((name, entry["version"]))
        return found

    def walk(deps):
        for name, entry in (deps or {}).items():
            version = entry.get("version", "")
            if version.startswith("npm:"):
                name, version = split_at_version(version[4:])
            if is_registry_version(version):
                found.add((name, version))
            walk(entry.get("dependencies"))

    walk(doc.get("dependencies"))
    return found


def count_yarn(text):
    """Entries are blocks under an unindented header; registry entries are those whose `resolved`
    (classic) is a registry tarball (`/-/`) or whose `resolution` (Berry) uses the `npm:` protocol."""
    found = set()
    for block in re.split(r"\n(?=\S)", text):
        lines = block.splitlines()
        if not lines or lines[0].startswith(("#", "__metadata")) or not lines[0].rstrip().endswith(":"):
            continue
        fields = {}
        for line in lines[1:]:
            m = re.match(r'^  "?([A-Za-z]+)"?:?\s+"?([^"]*)"?\s*$', line)
            if m:
                fields[m.group(1)] = m.group(2)
        version = fields.get("version", "")
        first = lines[0].rstrip(":").split(",")[0].strip().strip('"')
        if "resolution" in fields:  # Berry
            resolution = fields["resolution"]
            if "@npm:" not in resolution:
                continue
            name = resolution[: resolution.index("@npm:")]
        else:  # classic
            name = split_at_version(first)[0]
            spec = first[len(name) + 1:]
            if "/-/" not in fields.get("resolved", "/-/") or (":" in spec and not spec.startswith("npm:")):
                continue
            if spec.startswith("npm:"):
                name = split_at_version(spec[4:])[0]
        if is_registry_version(version):
            found.add((name, version))
    return found


def count_pnpm(text):
    found = set()
    section = None
    version_line = re.search(r"^lockfileVersion:\s*'?([0-9.]+)", text, re.M)
    major = float(version_line.group(1)) if version_line else 5.0
    for line in text.splitlines():
        if line and not line.startswith(" "):
            section = line.rstrip(":").strip()
            continue
        if section != "packages":
            continue
        m = re.match(r"^  ('?)(.+?)\1:\s*$", line)
        if not m:
            continue
        key = m.group(2)
        key = re.sub(r"\(.*$", "", key)  # peer suffix
        key = key.split("_", 1)[0] if major < 6 else key  # v5 peer suffix `_peer@1`
        if major < 6:
            if not key.startswith("/"):
                host, _, rest = key.partition("/")
                if "." not in host:
                    continue
                key = "/" + rest  # `registry.npmjs.org/foo/1.0.0`: a package of another registry host
            parts = key[1:].split("/")
            if parts[0].startswith("@"):
                if len(parts) < 3:
                    continue
                name, version = parts[0] + "/" + parts[1], parts[2]
            else:
                if len(parts) < 2:
                    continue
                name, version = parts[0], parts[1]
        else:
            key = key.lstrip("/")
            name, version = split_at_version(key)
        if not re.match(r"^\d+\.\d+", version) or ":" in version or "/" in version:
            continue  # file:, link:, tarball or git keys carry no registry version here
        found.add((name, version))
    # Entries keyed by a registry tarball URL name the package in `name:` and `version:` fields.
    for m in re.finditer(r"\n  '?[^\n]*/-/[^\n]*\.tgz'?:\n((?:    [^\n]*\n)+)", text):
        fields = dict(re.findall(r"^    (name|version): '?([^'\n]+)'?$", m.group(1), re.M))
        if "name" in fields and "version" in fields:
            found.add((fields["name"], fields["version"]))
    return found


def count_bun(text):
    no_trailing_commas = re.sub(r",(\s*[}\]])", r"\1", text)
    doc = json.loads(no_trailing_commas)
    found = set()
    for entry in doc.get("packages", {}).values():
        if not entry or not isinstance(entry[0], str):
            continue
        name, version = split_at_version(entry[0])
        if version.startswith("npm:"):
            version = version[4:]
        if is_registry_version(version):
            found.add((name, version))
    return found


def count_uv(text):
    doc = tomllib.loads(text)
    found = set()
    for p in doc.get("package", []):
        source = p.get("source", {})
        if set(source) & {"editable", "virtual", "git", "path", "directory", "url"}:
            continue
        if not is_registry_version(p.get("version", "")):
            continue
        found.add((pep503(p["name"]), p.get("version", "")))
    return found


def count_toml_packages(key):
    def count(text):
        doc = tomllib.loads(text)
        return {
            (pep503(p["name"]), p["version"])
            for p in doc.get(key, [])
            if "name" in p and is_registry_version(p.get("version", "")) and not is_local_or_vcs(p)
        }
    return count


def is_local_or_vcs(package):
    """pylock `vcs`/`directory`/`archive` packages, poetry `[package.source]` git/url/file/directory ones."""
    if {"vcs", "directory", "archive", "git", "url", "path"} & set(package):
        return True
    source = package.get("source")
    return isinstance(source, dict) and source.get("type") not in (None, "legacy")


def count_pipfile(text):
    doc = json.loads(text)
    found = set()
    for group in ("default", "develop"):
        for name, entry in doc.get(group, {}).items():
            version = entry.get("version", "").lstrip("=")
            if is_registry_version(version):
                found.add((pep503(name), version))
    return found


PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*===?\s*([^\s;\\#,]+)\s*(;|\\|#|-|$)")


def count_requirements(path, seen=None):
    seen = seen or set()
    if path in seen or not path.exists():
        return set()
    seen.add(path)
    found = set()
    text = path.read_text()
    text = re.sub(r"\\\n", " ", text)
    for line in text.splitlines():
        stripped = line.strip()
        m = re.match(r"^(-r|--requirement)[ =]\s*(\S+)", stripped)
        if m:
            found |= count_requirements(path.parent / m.group(2), seen)
            continue
        m = PIN.match(line)
        if m and is_registry_version(m.group(3)) and not m.group(3).startswith("-"):
            found.add((pep503(m.group(1)), m.group(3)))
    return found


COUNTERS = {
    "Cargo.lock": count_cargo,
    "package-lock.json": count_package_lock,
    "npm-shrinkwrap.json": count_package_lock,
    "yarn.lock": count_yarn,
    "pnpm-lock.yaml": count_pnpm,
    "bun.lock": count_bun,
    "uv.lock": count_uv,
    "poetry.lock": count_toml_packages("package"),
    "pdm.lock": count_toml_packages("package"),
    "pylock.toml": count_toml_packages("packages"),
    "Pipfile.lock": count_pipfile,
}


def independent_count(path):
    if path.name == "requirements.txt" or path.parent.name == "requirements":
        return count_requirements(path)
    return COUNTERS[path.name](path.read_text())


def tollgate_sets(binary, files):
    """Runs `tollgate inventory --format json` once over all files."""
    run = subprocess.run([binary, "inventory", "--format", "json", *map(str, files)], capture_output=True, text=True)
    if run.returncode not in (0, 2):
        sys.exit(f"tollgate exited {run.returncode}: {run.stderr}")
    doc = json.loads(run.stdout)
    sets = {}
    for lockfile in doc["lockfiles"]:
        pairs = set()
        for p in lockfile["packages"]:
            if p["source"]["kind"] not in ("registry", "unknown") or not p["version"]:
                continue
            if lockfile["format"] == "requirements" and p.get("requirement") not in (None, "pinned"):
                continue
            name = p["normalized_name"] if lockfile["ecosystem"] == "PyPI" else p["name"]
            pairs.add((name, p["version"]))
        sets[lockfile["path"]] = (lockfile["format"], pairs, len(lockfile["packages"]))
    errors = {e["path"]: e for e in doc["errors"]}
    # A partly malformed file (one bad entry among good ones) is reported through warnings.
    warnings = {l["path"]: l["warnings"] for l in doc["lockfiles"] if l.get("warnings")}
    return sets, errors, warnings


def unpack(corpus, work):
    for part in ("lockfiles", "peer-fixtures"):
        if not (work / part).exists():
            with tarfile.open(corpus / f"{part}.tar.gz") as tar:
                tar.extractall(work, filter="data")


def collect(work):
    """(path to hand tollgate, label, expect_error) for every corpus file."""
    cases = []
    for path in sorted((work / "lockfiles").rglob("*")):
        if path.is_file() and path.name not in ("package.json", "pyproject.toml", "Cargo.toml"):
            cases.append((path, f"lockfiles/{path.relative_to(work / 'lockfiles')}", False))
    peer_root = work / "peer-fixtures/osv-scalibr/extractor/filesystem/language"
    staged = work / "staged"
    shutil.rmtree(staged, ignore_errors=True)
    for folder, canonical in PEER_DIRS.items():
        for fixture in sorted((peer_root / folder / "testdata").rglob("*")):
            if not fixture.is_file():
                continue
            if folder == "javascript/packagelockjson" and fixture.suffix not in (".json", ".jsontest", ".txt"):
                continue
            rel = fixture.relative_to(peer_root / folder / "testdata")
            target = staged / folder / str(rel).replace("/", "__") / canonical
            target.parent.mkdir(parents=True, exist_ok=True)
            if folder == "python/requirements":
                # Keep siblings so that `-r other.txt` includes resolve.
                target = staged / folder / "requirements" / rel
                target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(fixture, target)
            cases.append((target, f"peer/{folder}/{rel}", fixture.name in MALFORMED))
    return cases


def main():
    binary, corpus, work = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    work.mkdir(parents=True, exist_ok=True)
    unpack(corpus, work)
    cases = collect(work)
    sets, errors, warnings = tollgate_sets(binary, [c[0] for c in cases])
    table = defaultdict(lambda: [0, 0, 0])  # format -> files, packages, mismatching files
    failures = []
    for path, label, expect_error in cases:
        key = str(path)
        if expect_error:
            if key in errors or key in warnings:
                table["(malformed)"][0] += 1
            else:
                failures.append(f"{label}: malformed file was not reported as an error")
            continue
        if key in errors:
            failures.append(f"{label}: {errors[key]['message']} (line {errors[key].get('line')})")
            continue
        if key not in sets:
            failures.append(f"{label}: not inventoried")
            continue
        fmt, ours, count = sets[key]
        try:
            theirs = independent_count(path)
        except Exception as exc:  # the independent counter could not read it: say so, do not hide it
            failures.append(f"{label}: independent counter failed: {exc!r}")
            continue
        row = table[fmt]
        row[0] += 1
        row[1] += count
        if ours != theirs:
            row[2] += 1
            failures.append(
                f"{label}: package sets differ: only tollgate {sorted(ours - theirs)[:5]}, "
                f"only independent {sorted(theirs - ours)[:5]}"
            )
    print(f"{'format':<16} {'files':>5} {'packages':>9} {'mismatches':>10}")
    for fmt in sorted(table):
        files, packages, mismatches = table[fmt]
        print(f"{fmt:<16} {files:>5} {packages:>9} {mismatches:>10}")
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"corpus: {len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
