#!/usr/bin/env python3
"""Validates SBOMs that `tollgate scan --format cyclonedx|spdx` wrote against the official
JSON schemas shipped in crates/tollgate-report/tests/schemas (see its README).

    python3 scripts/validate_sbom.py FILE.json...

The format of each file is told by its content (`bomFormat` or `spdxVersion`). Prints one
line per file and every schema error; exit 0 when every file is valid, 1 when one is not,
2 when the jsonschema package is missing or a file cannot be read. Needs Python's
`jsonschema` (4.18 or newer, for `referencing`); no network: the CycloneDX schema's
references to spdx.schema.json and jsf-0.82.schema.json resolve to the shipped copies.
"""

import json
import pathlib
import sys

SCHEMAS = pathlib.Path(__file__).resolve().parent.parent / "crates/tollgate-report/tests/schemas"


def validators():
    try:
        from jsonschema import Draft7Validator
        from referencing import Registry, Resource
    except ImportError as error:
        print(f"error: python jsonschema (>= 4.18) is needed: {error}", file=sys.stderr)
        sys.exit(2)

    def load(name):
        return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))

    cyclonedx = load("bom-1.6.schema.json")
    resources = []
    for name in ("spdx.schema.json", "jsf-0.82.schema.json"):
        schema = load(name)
        resource = Resource.from_contents(schema)
        # The BOM schema names them relatively (resolved against its $id) and by $id.
        resources.append((f"http://cyclonedx.org/schema/{name}", resource))
        if "$id" in schema:
            resources.append((schema["$id"], resource))
    registry = Registry().with_resources(resources)
    return {
        "cyclonedx": Draft7Validator(cyclonedx, registry=registry),
        "spdx": Draft7Validator(load("spdx-2.3.schema.json")),
    }


def main(paths):
    if not paths:
        print(__doc__, file=sys.stderr)
        return 2
    checkers = validators()
    status = 0
    for path in paths:
        try:
            document = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
        if isinstance(document, dict) and document.get("bomFormat") == "CycloneDX":
            kind = "cyclonedx"
        elif isinstance(document, dict) and document.get("spdxVersion") == "SPDX-2.3":
            kind = "spdx"
        else:
            print(f"{path}: neither a CycloneDX BOM nor an SPDX 2.3 document")
            status = 1
            continue
        errors = sorted(checkers[kind].iter_errors(document), key=lambda e: list(e.path))
        for error in errors[:20]:
            location = "/".join(str(p) for p in error.path)
            print(f"{path}: {kind}: at /{location}: {error.message[:300]}")
        print(f"{path}: {kind}: {len(errors)} errors")
        if errors:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
