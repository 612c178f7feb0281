#!/usr/bin/env bash
# Builds the labelled install-time-code set with the real packaging tools:
#   npm pack                               (npm-*)
#   python -m build --sdist                (py-*;  pip install build)
#   cargo package --allow-dirty --no-verify (cargo-*)
# Sources: crates/tollgate-analysis/tests/labelled/src/<name>/
# Output:  crates/tollgate-analysis/tests/labelled/built/<archive>
# Nothing here runs the samples' install-time code: npm pack, build --sdist and cargo
# package only archive the sources (no lifecycle script, setup.py build or build.rs runs;
# `python -m build --sdist` does import setup.py, so the Python samples only reference
# *.example.invalid hosts, which never resolve).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
labelled="$root/crates/tollgate-analysis/tests/labelled"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$labelled/built"
rm -f "$labelled/built/"*
for src in "$labelled/src/"*/; do
  name="$(basename "$src")"
  cp -r "$src" "$work/$name"
  case "$name" in
    npm-*)
      (cd "$work/$name" && npm pack --ignore-scripts --silent --pack-destination "$labelled/built" >/dev/null) ;;
    py-*)
      # setuptools-scm needs a version without git metadata.
      (cd "$work/$name" && SETUPTOOLS_SCM_PRETEND_VERSION=0.1.0 python3 -m build --sdist --outdir "$labelled/built" >/dev/null) ;;
    cargo-*)
      (cd "$work/$name" && cargo package --allow-dirty --no-verify --quiet \
        && cp target/package/*.crate "$labelled/built/") ;;
  esac
  echo "built $name"
done
ls -l "$labelled/built"
