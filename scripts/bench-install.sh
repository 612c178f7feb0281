#!/usr/bin/env bash
# Measures what `tollgate install MANAGER` adds over the bare package manager (issue 12).
# MANAGER=npm (default): a real npm project (jest, webpack, eslint, @babel/preset-env,
# mocha: over 500 packages), warm npm cache, an existing package-lock.json, node_modules removed before
# every run. MANAGER=uv: a real uv project (jupyterlab 4.2.5: 96 locked packages; UV_DEPS
# replaces the dependency list, as TOML strings), warm uv
# and tollgate caches, an existing uv.lock, .venv removed before every run (bare: `uv sync`).
# Needs the registry (the caches are warmed by one real install first) and an advisory
# index (DB, default: the corpus OSV exports imported into a temporary index). Writes only
# to a temp dir (uv: also its HOME, so that uv's cache is where the fetch sandbox has it).
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
manager="${MANAGER:-npm}"
case "$manager" in
npm)
  cat > "$project/package.json" <<'JSON'
{ "name": "bench-install", "version": "1.0.0", "private": true,
  "dependencies": { "jest": "29.7.0", "webpack": "5.94.0", "eslint": "8.57.0",
    "@babel/preset-env": "7.25.4", "mocha": "10.7.3" } }
JSON
  (cd "$project" && npm install --ignore-scripts >/dev/null 2>&1)
  echo "packages: $(grep -c '"node_modules/' "$project/package-lock.json")"
  installed="node_modules"
  bare=(npm install)
  ;;
uv)
  export HOME="$work/home"
  mkdir -p "$HOME"
  uv_deps="${UV_DEPS:-\"jupyterlab==4.2.5\"}"
  cat > "$project/pyproject.toml" <<TOML
[project]
name = "bench-install"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [$uv_deps]
TOML
  # The tollgate run only warms its cache; a refusal shows (and stops) in `measure`.
  (cd "$project" && uv sync >/dev/null 2>&1 && { "$tollgate" install --db "$db" uv >/dev/null 2>&1 || true; })
  echo "packages: $(grep -c '^\[\[package\]\]' "$project/uv.lock")"
  installed=".venv"
  bare=(uv sync)
  ;;
*) echo "MANAGER is npm or uv" >&2; exit 2 ;;
esac

measure() { # label, command...
  local label="$1" total=0
  shift
  for _ in $(seq "$runs"); do
    rm -rf "${project:?}/$installed"
    local start end
    start=$(date +%s.%N)
    (cd "$project" && "$@" >/dev/null 2>"$work/stderr") || { cat "$work/stderr"; exit 1; }
    end=$(date +%s.%N)
    total=$(echo "$total + $end - $start" | bc)
  done
  echo "$label: mean $(echo "scale=2; $total / $runs" | bc) s over $runs runs"
}

measure "${bare[*]}" "${bare[@]}"
measure "tollgate install $manager" "$tollgate" install --db "$db" "$manager"
