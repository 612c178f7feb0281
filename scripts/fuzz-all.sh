#!/usr/bin/env bash
# Runs every lockfile fuzz target for N seconds (default 60), seeded with the repository's fixtures.
# Crashes land in fuzz/artifacts/<target>/; minimize them and copy them to
# crates/tollgate-lockfile/tests/fuzz-regressions/<target>/ as regression inputs.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECONDS_PER_TARGET="${1:-60}"
FIXTURES=../crates/tollgate-lockfile/tests/fixtures
declare -A SEED_GLOB=(
  [package_lock]='*package-lock*.json *shrinkwrap*.json'
  [yarn]='*yarn*.lock'
  [pnpm_lock]='*pnpm*.yaml'
  [bun_lock]='*bun*.lock'
  [uv_lock]='*uv*.lock'
  [poetry_lock]='*poetry*.lock'
  [pdm_lock]='*pdm*.lock'
  [pipfile_lock]='*Pipfile*.lock'
  [pylock]='*pylock*.toml'
  [requirements]='*requirements*.txt'
  [cargo_lock]='*Cargo*.lock'
)
for target in "${!SEED_GLOB[@]}"; do
  corpus="corpus/$target"
  mkdir -p "$corpus"
  for glob in ${SEED_GLOB[$target]}; do
    find "$FIXTURES" -iname "$glob" -size -64k -exec cp {} "$corpus/" \; 2>/dev/null || true
  done
  echo "== $target: $(ls "$corpus" | wc -l) seeds, ${SECONDS_PER_TARGET}s"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "$corpus" -- \
    -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 2>&1 | grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY)' || true
done
