#!/usr/bin/env bash
# Advisory benchmarks, one run of everything, printed as Markdown for docs/benchmarks.md:
#   1. import of the full OSV corpus (wall time, peak memory);
#   2. import of a synthetic export the size of npm's real one (~142 MB zipped);
#   3. `tollgate scan` (default checks, and advisories only) vs `cargo audit` on a Cargo.lock of
#      300+ packages, with both binaries' `--version` as the process start-up floor (hyperfine);
#   4. `tollgate db status` on both indexes (an upper bound on opening the index: process
#      start + open + print).
#
# Needs: hyperfine (apt-get install -y hyperfine), GNU time (/usr/bin/time), python3,
# cargo-audit (see scripts/compare-cargo-audit.sh), the corpus (/work/shared/corpus and its
# unpacked copy /tmp/corpus). Everything is written under $WORK (default: a temp dir).
#
# Environment: TOLLGATE (a built release binary; default: build target/release/tollgate),
# CARGO_AUDIT, CORPUS, SYNTHETIC (an existing synthetic zip to reuse), LOCK (the Cargo.lock),
# RUNS (hyperfine runs, default 30).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${CORPUS:-/work/shared/corpus}"
cargo_audit="${CARGO_AUDIT:-/tmp/cargo-audit/bin/cargo-audit}"
lock="${LOCK:-/tmp/corpus/lockfiles/Cargo.lock/astral-sh__uv/Cargo.lock}"
runs="${RUNS:-30}"
work="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tollgate-bench.XXXXXX")}"
mkdir -p "$work"

tollgate="${TOLLGATE:-}"
if [ -z "$tollgate" ]; then
  cargo build --quiet --release -p tollgate-cli --manifest-path "$root/Cargo.toml"
  tollgate="$root/target/release/tollgate"
fi

# Runs an import under GNU time; prints "seconds peak_MB".
timed_import() {
  local db="$1"; shift
  rm -rf "$db"
  /usr/bin/time -f '%e %M' -o "$work/time.txt" "$tollgate" db import --db "$db" "$@" >"$work/import.txt"
  read -r seconds kilobytes <"$work/time.txt"
  echo "$seconds $((kilobytes / 1024))"
}

echo "## Machine"
echo
echo "- $(nproc) cores, $(uname -sr), load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- tollgate: $("$tollgate" --version); cargo-audit: $("$cargo_audit" --version 2>/dev/null || echo absent)"
echo

echo "## Import"
echo
read -r seconds peak < <(timed_import "$work/db" "$corpus"/osv/*/all.zip)
echo "- full corpus (\`osv/*/all.zip\`): ${seconds}s, peak RSS ${peak} MB"
sed 's/^/  - /' "$work/import.txt"

synthetic="${SYNTHETIC:-$work/synthetic/npm/all.zip}"
if [ ! -f "$synthetic" ]; then
  python3 "$root/scripts/gen-synthetic-osv.py" --size-mb 142 --out "$synthetic" 2>/dev/null
fi
zip_mb=$(( $(stat -c %s "$synthetic") / 1024 / 1024 ))
read -r seconds peak < <(timed_import "$work/db-synthetic" "$synthetic")
echo "- synthetic npm-size export (${zip_mb} MiB zipped): ${seconds}s, peak RSS ${peak} MB"
sed 's/^/  - /' "$work/import.txt"
echo

packages=$(grep -c '^\[\[package\]\]' "$lock")
echo "## Scan: $lock ($packages packages)"
echo
cp -r /tmp/corpus/advisory-db "$work/advisory-db"
chmod -R u+w "$work/advisory-db"
lock_dir="$(dirname "$lock")"
# The like-for-like comparison: cargo-audit only matches advisories, so tollgate also runs
# with every policy check set to `allow` (the default scan runs them all).
cat >"$work/advisories-only.toml" <<'TOML'
[bans]
level = "allow"
[sources]
level = "allow"
[hashes]
level = "allow"
[install-scripts]
level = "allow"
[licenses]
level = "allow"
unknown = "allow"
[cooldown]
level = "allow"
[names]
level = "allow"
TOML
(cd "$lock_dir" && hyperfine -N --style none --warmup 3 --runs "$runs" -i \
  --export-json "$work/scan.json" \
  -n tollgate "$tollgate scan --db $work/db --format json Cargo.lock" \
  -n tollgate-advisories-only "$tollgate scan --db $work/db --config $work/advisories-only.toml --format json Cargo.lock" \
  -n cargo-audit "$cargo_audit audit --db $work/advisory-db --no-fetch --no-yanked --stale --json -f Cargo.lock" \
  -n "tollgate --version" "$tollgate --version" \
  -n "cargo-audit --version" "$cargo_audit --version" \
  >/dev/null)
python3 - "$work/scan.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
print("| command | median | mean ± σ | min | user | system |")
print("|---|---|---|---|---|---|")
for name, r in results.items():
    ms = lambda s: f"{s * 1000:.1f} ms"
    print(f"| {name} | {ms(r['median'])} | {ms(r['mean'])} ± {ms(r['stddev'])} | {ms(r['min'])} | {ms(r['user'])} | {ms(r['system'])} |")
c = results["cargo-audit"]
print()
for name in ("tollgate", "tollgate-advisories-only"):
    t = results[name]
    print(f"- {name} is {c['median'] / t['median']:.1f}x faster than cargo-audit (median wall time); "
          f"{(c['user'] + c['system']) / (t['user'] + t['system']):.1f}x less CPU time (user + system).")
PY
echo

echo "## Opening the index (\`tollgate db status\`, whole process)"
echo
hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$work/open.json" \
  -n corpus "$tollgate db status --db $work/db" \
  -n synthetic-npm "$tollgate db status --db $work/db-synthetic" >/dev/null
python3 - "$work/open.json" "$work/db" "$work/db-synthetic" <<'PY'
import json, os, sys
results = json.load(open(sys.argv[1]))["results"]
for r, db in zip(results, sys.argv[2:]):
    size = os.path.getsize(os.path.join(db, "advisories.idx")) / 1e6
    print(f"- {r['command']} index ({size:.1f} MB): median {r['median'] * 1000:.1f} ms, "
          f"min {r['min'] * 1000:.1f} ms")
PY
