#!/usr/bin/env bash
# Measures what `tollgate install npm` adds over the bare `npm install` (issue 12): a real
# npm project (jest, webpack, eslint: several hundred packages), warm npm cache, an existing
# package-lock.json, node_modules removed before every run. Needs the npm registry (the
# cache is warmed by one real install first) and an advisory index (DB, default: the
# corpus OSV exports imported into a temporary index). Writes only to a temp dir.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-3}"
cargo build --release --quiet -p tollgate-cli --manifest-path "$root/Cargo.toml"
tollgate="$root/target/release/tollgate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export npm_config_cache="$work/npm-cache" npm_config_audit=false npm_config_fund=false

db="${DB:-$work/db}"
if [[ -z "${DB:-}" ]]; then
  "$tollgate" db import --db "$db" "$root"/../shared/corpus/osv/*/all.zip >/dev/null 2>&1
fi

project="$work/project"
mkdir -p "$project"
cat > "$project/package.json" <<'JSON'
{ "name": "bench-install", "version": "1.0.0", "private": true,
  "dependencies": { "jest": "29.7.0", "webpack": "5.94.0", "eslint": "8.57.0" } }
JSON
(cd "$project" && npm install --ignore-scripts >/dev/null 2>&1)
echo "packages: $(grep -c '"node_modules/' "$project/package-lock.json")"

measure() { # label, command...
  local label="$1" total=0
  shift
  for _ in $(seq "$runs"); do
    rm -rf "$project/node_modules"
    local start end
    start=$(date +%s.%N)
    (cd "$project" && "$@" >/dev/null 2>"$work/stderr") || { cat "$work/stderr"; exit 1; }
    end=$(date +%s.%N)
    total=$(echo "$total + $end - $start" | bc)
  done
  echo "$label: mean $(echo "scale=2; $total / $runs" | bc) s over $runs runs"
}

measure "npm install" npm install
measure "tollgate install npm" "$tollgate" install --db "$db" npm
