#!/usr/bin/env bash
# Validates `tollgate scan --format sarif` against the official SARIF 2.1.0 JSON schema
# (sarif-2.1.0-rtm.5.json, as shipped in Microsoft's @microsoft/jest-sarif npm package), with
# Python's jsonschema. Needs npm, pip and a built tollgate; fetches both packages from their registries.
# Usage: scripts/validate-sarif.sh [TOLLGATE] [DB_DIR] [LOCKFILE]
set -euo pipefail
cd "$(dirname "$0")/.."
TOLLGATE="${1:-target/release/tollgate}"
DB="${2:-target/ci-db}"
LOCK="${3:-crates/tollgate-advisory/tests/fixtures/Cargo.lock}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null && tar -xzf ./*.tgz)
python3 -m pip install --quiet jsonschema
"$TOLLGATE" scan --db "$DB" --format sarif "$LOCK" > "$WORK/out.sarif" || [ $? -eq 1 ]
python3 - "$WORK/package/lib/schemas/sarif-2.1.0-rtm.5.json" "$WORK/out.sarif" <<'PY'
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
errors = list(jsonschema.Draft7Validator(schema).iter_errors(doc))
for e in errors[:20]:
    print("/".join(map(str, e.path)), e.message[:200])
print(f"sarif: {len(doc['runs'][0]['results'])} results, {len(errors)} schema errors")
sys.exit(1 if errors else 0)
PY
