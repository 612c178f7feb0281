#!/usr/bin/env bash
# Real-world run of the install-time analysis over popular packages that have
# install-time code. Writes into ${OUT:-/tmp/tollgate-popular} (never into the repo).
#
# Package selection (no bulk registry look-ups, no guessed-name probing):
# - npm: packages of the corpus package-locks with `hasInstallScript`, plus a fixed list
#   of well-known packages with lifecycle scripts or binding.gyp, kept only when they are
#   in ../shared/corpus/popular/top_npm_packages.json; fetched with `npm pack NAME`
#   (latest version, no scripts run).
# - PyPI: the sdists named by the corpus uv.lock files (their `sdist.url`), ordered by
#   rank in top-pypi-packages.min.json, first $PYPI_COUNT; fetched with curl from the
#   address the lock gives. An sdist's build backend runs whenever no wheel fits.
# - crates.io: the .crate files already in ~/.cargo/registry/cache (this workspace's own
#   dependency tree; no download); only those with a build script or proc-macro count.
# Then `tollgate inspect --format json` on each archive, and a summary.
# SKIP_DOWNLOAD=1 re-analyses what an earlier run downloaded.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${CORPUS:-$root/../shared/corpus}"
[ -d /tmp/corpus/popular ] && corpus_unpacked=/tmp/corpus || corpus_unpacked="$corpus"
out="${OUT:-/tmp/tollgate-popular}"
tollgate="${TOLLGATE:-$root/target/debug/tollgate}"
pypi_count="${PYPI_COUNT:-70}"
mkdir -p "$out/npm" "$out/pypi" "$out/crates" "$out/reports"

known_npm="esbuild fsevents core-js core-js-pure @swc/core sharp bcrypt puppeteer nodemon es5-ext
@parcel/watcher cypress electron canvas sqlite3 better-sqlite3 bufferutil utf-8-validate
msgpackr-extract @prisma/client prisma @sentry/cli ssh2 cpu-features leveldown nx @nestjs/core
styled-components vue-demi @biomejs/biome yarn protobufjs husky chromedriver dtrace-provider lmdb
keccak spawn-sync @datadog/pprof geckodriver highcharts"

python3 - "$corpus_unpacked" "$out" "$pypi_count" $known_npm <<'PY'
import glob, json, sys, tomllib
corpus, out, pypi_count, known = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
top_npm = json.load(open(f"{corpus}/popular/top_npm_packages.json"))["packages"]
rank = {n: i for i, n in enumerate(top_npm)}
names = set(n for n in known if n in rank)
for f in glob.glob(f"{corpus}/lockfiles/package-lock.json/*/package-lock.json") + glob.glob(f"{corpus}/lockfiles/npm-shrinkwrap.json/*/npm-shrinkwrap.json"):
    for key, entry in json.load(open(f)).get("packages", {}).items():
        if entry.get("hasInstallScript") and "node_modules/" in key:
            names.add(key.rsplit("node_modules/", 1)[1])
with open(f"{out}/npm-names.txt", "w") as fh:
    fh.write("\n".join(sorted(names, key=lambda n: rank.get(n, 10**9))) + "\n")
top_pypi = [r["project"] for r in json.load(open(f"{corpus}/popular/top-pypi-packages.min.json"))["rows"]]
prank = {n: i for i, n in enumerate(top_pypi)}
sdists = {}
for f in glob.glob(f"{corpus}/lockfiles/uv.lock/*/uv.lock"):
    for p in tomllib.load(open(f, "rb")).get("package", []):
        url = (p.get("sdist") or {}).get("url")
        if url and p["name"] in prank:
            sdists.setdefault(p["name"], url)
chosen = sorted(sdists, key=lambda n: prank[n])[:pypi_count]
with open(f"{out}/pypi-urls.txt", "w") as fh:
    fh.write("".join(f"{sdists[n]}\n" for n in chosen))
PY

echo "npm: $(wc -l < "$out/npm-names.txt") packages; PyPI: $(wc -l < "$out/pypi-urls.txt") sdists"
if [ -z "${SKIP_DOWNLOAD:-}" ]; then
(cd "$out/npm" && xargs -P 4 -n 1 npm pack --silent --ignore-scripts < "$out/npm-names.txt" >/dev/null 2>>"$out/errors.log" || true)
(cd "$out/pypi" && xargs -P 4 -n 1 curl -sSfLO < "$out/pypi-urls.txt" 2>>"$out/errors.log" || true)
cp ~/.cargo/registry/cache/*/*.crate "$out/crates/" 2>/dev/null || true
fi

for archive in "$out"/npm/*.tgz "$out"/pypi/* "$out"/crates/*.crate; do
  [ -f "$archive" ] || continue
  name="$(basename "$archive")"
  "$tollgate" inspect --format json "$archive" > "$out/reports/$name.json" 2>>"$out/errors.log" || true
done

python3 - "$out" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
rows, counts = [], {}
for f in sorted(glob.glob(f"{out}/reports/*.json")):
    if os.path.getsize(f) == 0:
        continue
    r = json.load(open(f))
    eco = r["ecosystem"]
    c = counts.setdefault(eco, {"archives": 0, "runs-code": 0, "flagged": 0, "findings": 0})
    c["archives"] += 1
    if r["state"]["state"] != "runs-code":
        continue
    c["runs-code"] += 1
    findings = r.get("findings", [])
    c["findings"] += len(findings)
    c["flagged"] += any(x["severity"] in ("high", "critical") for x in findings)
    for x in findings:
        rows.append((eco, f'{r["name"]}@{r["version"]}', x["severity"], x["rule"], x["phase"], f'{x["file"]}:{x["line"]}', x["message"]))
json.dump(counts, open(f"{out}/summary.json", "w"), indent=1)
with open(f"{out}/findings.tsv", "w") as fh:
    for row in rows:
        fh.write("\t".join(row) + "\n")
print(json.dumps(counts, indent=1))
print(f"{len(rows)} findings -> {out}/findings.tsv")
PY
