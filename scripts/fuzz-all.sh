#!/usr/bin/env bash
# Runs every lockfile fuzz target for N seconds (default 60), seeded with the repository's fixtures.
# Crashes land in fuzz/artifacts/<target>/; minimize them and copy them to
# crates/tollgate-lockfile/tests/fuzz-regressions/<target>/ as regression inputs.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${1:-60}"
FIXTURES=../crates/tollgate-lockfile/tests/fixtures
# Seeds: the fixture files of each format (paths relative to $FIXTURES).
declare -A SEED_GLOB=(
  [package_lock]='npm/package-lock*.json'
  [yarn]='npm/yarn*.lock'
  [pnpm_lock]='npm/pnpm-lock*.yaml'
  [bun_lock]='npm/bun*.lock'
  [uv_lock]='python/uv/*'
  [poetry_lock]='python/poetry/*'
  [pdm_lock]='python/pdm/*'
  [pipfile_lock]='python/pipfile/*'
  [pylock]='python/pylock/*'
  [requirements]='python/requirements/*'
  [cargo_lock]='cargo/*.lock'
)
for target in "${!SEED_GLOB[@]}"; do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  for seed in $FIXTURES/${SEED_GLOB[$target]}; do
    [ -f "$seed" ] && [ "$(stat -c %s "$seed")" -lt 65536 ] && cp "$seed" "$corpus/" || true
  done
  echo "== $target: $(ls "$corpus" | wc -l) seeds, ${SECONDS_PER_TARGET}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 2>&1 | grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY)' || true
done

# The analysis targets: `archive` seeded with the labelled packages' archives, `judge` with
# their source files (setup.py, install scripts, build.rs, modules).
LABELLED=../crates/tollgate-analysis/tests/labelled
mkdir -p corpus/archive corpus/judge
cp "$LABELLED"/built/* corpus/archive/ 2>/dev/null || true
find "$LABELLED/src" -type f \( -name '*.py' -o -name '*.js' -o -name '*.rs' -o -name '*.gyp' \) \
  -size -64k -exec cp {} corpus/judge/ \; 2>/dev/null || true
for target in archive judge; do
  echo "== $target: $(ls "corpus/$target" | wc -l) seeds, ${SECONDS_PER_TARGET}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 2>&1 | grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY)' || true
done
