#!/usr/bin/env bash
# Compares `tollgate scan` with cargo-audit on every Cargo.lock of the corpus: both must
# report the same set of (package, version, RUSTSEC id), vulnerabilities and informational
# warnings (unmaintained, unsound, notice) alike.
#
# Needs: cargo-audit (`cargo install --locked cargo-audit --root /tmp/cargo-audit`), python3,
# the corpus unpacked under /tmp/corpus (see /work/shared/corpus/SOURCES.md).
# tollgate's index is imported from the corpus OSV export of crates.io (RustSec's `osv`
# branch); cargo-audit reads the corpus advisory-db (RustSec's `main` branch, TOML+Markdown),
# copied to a writable directory because cargo-audit takes a lock file inside it.
#
# Usage: scripts/compare-cargo-audit.sh [LOCKFILE_ROOT]
# Environment: TOLLGATE (a built binary; default: build target/release/tollgate),
# CARGO_AUDIT (default /tmp/cargo-audit/bin/cargo-audit), CORPUS (default /work/shared/corpus).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
lock_root="${1:-/tmp/corpus/lockfiles}"
cargo_audit="${CARGO_AUDIT:-/tmp/cargo-audit/bin/cargo-audit}"
corpus="${CORPUS:-/work/shared/corpus}"
work="$(mktemp -d "${TMPDIR:-/tmp}/tollgate-compare.XXXXXX")"
trap 'rm -rf "$work"' EXIT

tollgate="${TOLLGATE:-}"
if [ -z "$tollgate" ]; then
  cargo build --quiet --release -p tollgate-cli --manifest-path "$root/Cargo.toml"
  tollgate="$root/target/release/tollgate"
fi

cp -r /tmp/corpus/advisory-db "$work/advisory-db"
chmod -R u+w "$work/advisory-db"
"$tollgate" db import --db "$work/db" "$corpus/osv/crates.io/all.zip" >/dev/null

status=0
while IFS= read -r lock; do
  dir="$(dirname "$lock")"
  name="$(basename "$dir")"
  # cargo-audit exits 1 when it finds vulnerabilities; that is not a failure here.
  (cd "$dir" && "$cargo_audit" audit --db "$work/advisory-db" --no-fetch --no-yanked --stale \
      --json -f Cargo.lock >"$work/$name.audit.json" 2>"$work/$name.audit.err") || true
  "$tollgate" scan --db "$work/db" --format json --fail-on critical "$lock" \
      >"$work/$name.tollgate.json" || true
  python3 - "$name" "$work/$name.audit.json" "$work/$name.tollgate.json" <<'PY' || status=1
import json, sys

name, audit_path, tollgate_path = sys.argv[1:]
audit = json.load(open(audit_path))
tollgate = json.load(open(tollgate_path))

def audit_set():
    found = set()
    for vuln in audit["vulnerabilities"]["list"]:
        found.add((vuln["package"]["name"], vuln["package"]["version"], vuln["advisory"]["id"]))
    for kind, warnings in audit.get("warnings", {}).items():
        for warning in warnings:
            advisory = warning.get("advisory")
            if advisory:
                found.add((warning["package"]["name"], warning["package"]["version"], advisory["id"]))
    return found

def tollgate_set():
    found = set()
    for finding in tollgate["findings"]:
        for advisory_id in [finding.get("id")] + finding.get("aliases", []):
            if advisory_id and advisory_id.startswith("RUSTSEC-"):
                found.add((finding["name"], finding["version"], advisory_id))
    return found

a, t = audit_set(), tollgate_set()
print(f"{name}: cargo-audit {len(a)}, tollgate {len(t)}, common {len(a & t)}")
for entry in sorted(a - t):
    print(f"  only cargo-audit: {entry}")
for entry in sorted(t - a):
    print(f"  only tollgate:    {entry}")
sys.exit(0 if a == t else 1)
PY
done < <(find "$lock_root" -type f -name Cargo.lock | sort)
exit "$status"
