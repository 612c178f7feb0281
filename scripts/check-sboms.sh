#!/usr/bin/env bash
# SBOMs of every lockfile under the given directories, validated against the official schemas:
#   bash scripts/check-sboms.sh TOLLGATE DIR...
# For each lockfile, `scan --format cyclonedx` and `--format spdx` are written to a temporary
# folder, validated by scripts/validate_sbom.py (0 errors required), and the CycloneDX
# component count is compared with `inventory --format json` (they must be equal).
set -euo pipefail
TOLLGATE="$1"; shift
here="$(cd "$(dirname "$0")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export SOURCE_DATE_EPOCH=1764547200
n=0
while IFS= read -r -d '' lock; do
  n=$((n + 1))
  for format in cyclonedx spdx; do
    # Exit 1 (findings) is expected; 2 is not (an unreadable lockfile is reported by the corpus checks).
    "$TOLLGATE" scan --quiet --allow-missing-db --format "$format" -o "$out/$n.$format.json" "$lock" || [ $? -eq 1 ]
  done
  python3 "$here/validate_sbom.py" "$out/$n.cyclonedx.json" "$out/$n.spdx.json" >"$out/log" || { cat "$out/log"; echo "FAIL: $lock"; exit 1; }
  "$TOLLGATE" inventory --format json "$lock" >"$out/inv.json" || true
  python3 - "$out/$n.cyclonedx.json" "$out/inv.json" "$lock" <<'PY'
import json, sys
bom = json.load(open(sys.argv[1])); inv = json.load(open(sys.argv[2]))
expected = sum(len(l["packages"]) for l in inv["lockfiles"])
if len(bom["components"]) != expected:
    sys.exit(f"FAIL: {sys.argv[3]}: {len(bom['components'])} components, inventory has {expected}")
PY
done < <(find "$@" -type f \( -name 'Cargo.lock' -o -name 'package-lock.json' -o -name 'npm-shrinkwrap.json' -o -name 'yarn.lock' -o -name 'pnpm-lock.yaml' -o -name 'bun.lock' -o -name 'uv.lock' -o -name 'poetry.lock' -o -name 'pdm.lock' -o -name 'Pipfile.lock' -o -name 'pylock*.toml' \) -print0 | sort -z)
echo "sboms: $n lockfiles, CycloneDX and SPDX valid (0 errors), component counts equal to the inventory"
