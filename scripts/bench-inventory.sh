#!/usr/bin/env bash
# Times lockfile parsing (MB/s per format) and the whole `tollgate inventory` CLI on the corpus.
# Usage: scripts/bench-inventory.sh [CORPUS_DIR]   (default ../shared/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS="${1:-../shared/corpus}"
WORK=target/corpus
mkdir -p "$WORK"
for part in lockfiles peer-fixtures; do
  [ -d "$WORK/$part" ] || tar -xzf "$CORPUS/$part.tar.gz" -C "$WORK"
done
echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
echo "== parser throughput (criterion, one core)"
TOLLGATE_BENCH_CORPUS="$PWD/$WORK/lockfiles" cargo bench --locked -p tollgate-lockfile --bench parse -- --noplot 2>&1 \
  | grep -E '^(parse/|[a-z-]+: )|thrpt' || true
echo "== CLI: tollgate inventory over the whole corpus (hyperfine)"
cargo build --release --locked -q -p tollgate-cli
if command -v hyperfine >/dev/null; then
  hyperfine --warmup 2 --runs 10 "target/release/tollgate inventory --format json $WORK/lockfiles"
else
  time target/release/tollgate inventory --format json "$WORK/lockfiles" >/dev/null
fi
