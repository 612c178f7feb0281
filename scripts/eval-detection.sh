#!/usr/bin/env bash
# eval-detection.sh — measure tollgate's install-time code verdicts on labelled data and fail
# when recall or the false-positive rate crosses its floor/ceiling (used by .ci/run).
#
#   scripts/eval-detection.sh [MALWARE_DIR] [BENIGN_DIR]
#
# MALWARE_DIR: an unpacked malicious set with manifest.json (default: /tmp/corpus/malware-pypi,
#   where .ci/run unpacks ../shared/corpus/malware-pypi.tar.gz). The archives are read as bytes
#   only; nothing in them is installed, built, imported or run.
# BENIGN_DIR: a benign set built by scripts/fetch-benign.sh (default: target/benign; needs the
#   network once, so it is skipped when absent).
#
# The floors sit a little below the figures measured on the development set (docs/benchmarks.md)
# so that a regression fails CI while machine-to-machine noise (the per-package time limit) does not.
set -euo pipefail
cd "$(dirname "$0")/.."
MALWARE="${1:-/tmp/corpus/malware-pypi}"
BENIGN="${2:-target/benign}"
FLOOR_MALICIOUS="${FLOOR_MALICIOUS:-0.90}"
FLOOR_FLAGGED="${FLOOR_FLAGGED:-0.93}"

if [ ! -f "$MALWARE/manifest.json" ]; then
  echo "eval-detection: no malicious set at $MALWARE (manifest.json missing)" >&2
  exit 2
fi
cargo build --release --locked -q -p tollgate-analysis --example eval_detection
EVAL=target/release/examples/eval_detection
args=(--malicious "$MALWARE" --floor-malicious "$FLOOR_MALICIOUS" --floor-flagged "$FLOOR_FLAGGED" --misses 0)
if [ -f "$BENIGN/manifest.json" ]; then
  args+=(--benign "$BENIGN" --ceiling-benign-malicious 0.01 --ceiling-benign-suspicious 0.05)
else
  echo "eval-detection: no benign set at $BENIGN (run scripts/fetch-benign.sh); false-positive ceilings not checked" >&2
fi
"$EVAL" "${args[@]}"
