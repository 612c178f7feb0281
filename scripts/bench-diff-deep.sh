#!/usr/bin/env bash
# `tollgate diff --deep` timings for docs/benchmarks.md: a git repository of two commits of a
# package-lock.json that upgrades real npm packages with install scripts (the versions' real
# `resolved` and `integrity` from registry.npmjs.org), then `diff HEAD~1 HEAD --deep` with an
# empty download cache (cold: every tarball downloaded, verified, analysed) and again with the
# cache filled (warm: read from the verified cache), and warm with `--offline`.
#
# Needs the network (registry.npmjs.org), curl, python3, git. Writes under $WORK (default: a
# temp dir). Environment: TOLLGATE (a release binary; default: build target/release/tollgate),
# RUNS (warm runs, default 5).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-5}"
work="${WORK:-$(mktemp -d "${TMPDIR:-/tmp}/tollgate-diff-deep.XXXXXX")}"
mkdir -p "$work"
tollgate="${TOLLGATE:-}"
if [ -z "$tollgate" ]; then
  cargo build --quiet --release -p tollgate-cli --manifest-path "$root/Cargo.toml"
  tollgate="$root/target/release/tollgate"
fi

# name old new: packages whose versions run install-time code.
pairs=(
  "esbuild 0.24.0 0.25.0"
  "core-js 3.38.0 3.39.0"
  "sharp 0.33.4 0.33.5"
  "bcrypt 5.1.0 5.1.1"
  "protobufjs 7.4.0 7.5.0"
  "nodemon 3.1.4 3.1.7"
  "es5-ext 0.10.62 0.10.64"
)

meta="$work/meta"
mkdir -p "$meta"
for pair in "${pairs[@]}"; do
  read -r name old new <<<"$pair"
  for version in "$old" "$new"; do
    [ -s "$meta/$name@$version.json" ] ||
      curl -fsS "https://registry.npmjs.org/$name/$version" -o "$meta/$name@$version.json"
  done
done

repo="$work/repo"
rm -rf "$repo"
mkdir -p "$repo"
git -C "$repo" init -q -b main
lock() { # side (0 old, 1 new)
  python3 - "$meta" "$1" "${pairs[@]}" <<'EOF'
import json, sys
meta, side, pairs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
packages = {"": {"name": "app", "version": "1.0.0", "dependencies": {}}}
for pair in pairs:
    name, *versions = pair.split()
    doc = json.load(open(f"{meta}/{name}@{versions[side]}.json"))
    packages[""]["dependencies"][name] = doc["version"]
    entry = {"version": doc["version"], "resolved": doc["dist"]["tarball"],
             "integrity": doc["dist"]["integrity"]}
    if any(k in doc.get("scripts", {}) for k in ("preinstall", "install", "postinstall")):
        entry["hasInstallScript"] = True
    packages[f"node_modules/{name}"] = entry
print(json.dumps({"name": "app", "version": "1.0.0", "lockfileVersion": 3,
                  "requires": True, "packages": packages}, indent=2))
EOF
}
lock 0 >"$repo/package-lock.json"
git -C "$repo" add . && git -C "$repo" -c user.name=b -c user.email=b@b commit -q -m base
lock 1 >"$repo/package-lock.json"
git -C "$repo" -c user.name=b -c user.email=b@b commit -q -am upgrade

run() { # label, extra args...
  local label="$1"
  shift
  local start end
  start=$(date +%s.%N)
  (cd "$repo" && XDG_CACHE_HOME="$work/cache" "$tollgate" diff HEAD~1 HEAD --deep \
    --allow-missing-db --db "$work/no-db" --format json --output "$work/out.json" -q "$@") || true
  end=$(date +%s.%N)
  python3 - "$label" "$start" "$end" "$work/out.json" <<'EOF'
import json, sys
label, start, end, out = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
report = json.load(open(out))
verdicts = sum(1 for l in report["lockfiles"] for c in l["changes"] if c.get("install_code"))
print(f"| {label} | {end - start:.2f} s | {verdicts} changes with a verdict, "
      f"{len(report['warnings'])} warnings |")
EOF
}

rm -rf "$work/cache"
echo "| run | wall | report |"
echo "|---|---|---|"
run "cold cache"
for i in $(seq "$runs"); do run "warm cache #$i"; done
run "warm, --offline" --offline
du -sh "$work/cache" | sed 's/^/cache: /'
