#!/usr/bin/env bash
# fetch-benign.sh — build a BENIGN evaluation set for tollgate's malware detector.
#
# Purpose
#   Collect real, well-known packages that carry install-time code (PyPI sdists
#   with setup.py / build backends, npm packages with pre/post/install scripts or
#   binding.gyp, crates with build.rs or proc-macro = true), plus some popular
#   packages with import-time entry points, so the detector's FALSE-POSITIVE rate
#   can be measured on code that is known not to be malicious.
#
# Sources (all inside the shared corpus; no registry is asked which packages exist)
#   * /work/shared/corpus/lockfiles.tar.gz (real lockfiles of public projects)
#       - PyPI:  uv.lock `sdist.url` entries as written; poetry.lock / pdm.lock /
#                Pipfile.lock / requirements*.txt pins go to the fixed sdist path
#                files.pythonhosted.org/packages/source/<l>/<name>/<name>-<ver>.tar.gz
#                (PEP 625 underscore form first, then the dashed form; failures skipped).
#       - npm:   `resolved` tarball URLs of package-lock.json / npm-shrinkwrap.json,
#                and for pnpm-lock.yaml the standard registry tarball path built from
#                the locked name@version. Taken: entries with hasInstallScript, names
#                well known for install scripts / binding.gyp, and lock entries that
#                are in the popular list.
#       - crates: Cargo.lock crates.io entries, fetched from the fixed
#                static.crates.io/crates/<n>/<n>-<v>.crate path; kept only if the
#                archive has build.rs, a `build =` key, or `proc-macro = true`.
#   * /work/shared/corpus/popular.tar.gz (top-pypi-packages.min.json,
#     top_npm_packages.json) — only to rank / prefer candidates found in the locks.
#   * ~/.cargo/registry/cache/*/*.crate — qualifying crates are copied, not downloaded.
#   No search, index, metadata or name look-up endpoint is ever queried: every URL is
#   an exact artifact path for a name+version pinned in one of the lockfiles above.
#
# Safety
#   Nothing downloaded is ever installed, built, imported or executed. Archives are
#   only stored and read as data (python tarfile/zipfile listing + reading manifest
#   text such as package.json / Cargo.toml); nothing is extracted to disk.
#
# Output
#   ${OUT:-/work/main/target/benign}/{pypi,npm,crates}/   the archives
#   ${OUT}/manifest.json   [{"file","ecosystem","name","version", ...flags}]
#   ${OUT}/errors.log      failed downloads / rejected archives (appended)
#   target/ is git-ignored; do not point OUT anywhere tracked by git.
#
# Re-run
#   Just run it again: existing archives are skipped, crates that were found not to
#   qualify are remembered in ${OUT}/crates/.rejected and not fetched again, and
#   artifacts already logged as FAIL in errors.log are skipped unless RETRY_FAILED=1.
#   The candidate list is deterministic, so a re-run fetches nothing new.
#   Note: the files.pythonhosted.org/packages/source/ fallback answered 404 for every
#   pin when this was first run (2026-12-03), so only uv.lock sdist URLs yielded PyPI files.
#   Env knobs: OUT, CORPUS (default /work/shared/corpus), JOBS (default 4),
#   MAX_PYPI (220), MAX_NPM_POPULAR (110), MAX_CRATES_DL (260) candidate caps.
set -euo pipefail

OUT=${OUT:-/work/main/target/benign}
CORPUS=${CORPUS:-/work/shared/corpus}
JOBS=${JOBS:-4}
export MAX_PYPI=${MAX_PYPI:-220} MAX_NPM_POPULAR=${MAX_NPM_POPULAR:-110} MAX_CRATES_DL=${MAX_CRATES_DL:-260}
START=$(date +%s)

mkdir -p "$OUT/pypi" "$OUT/npm" "$OUT/crates"
touch "$OUT/errors.log" "$OUT/crates/.rejected"
WORK=$(mktemp -d /tmp/fetch-benign.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
tar -xzf "$CORPUS/lockfiles.tar.gz" -C "$WORK"
tar -xzf "$CORPUS/popular.tar.gz" -C "$WORK"
export OUT WORK

echo "== planning candidates from lockfiles"
# plan.tsv: eco \t relpath \t name \t version \t url [\t fallback-url]
python3 - <<'PY'
import glob, json, os, re, tomllib
from urllib.parse import quote

W, OUT = os.environ["WORK"], os.environ["OUT"]
L = os.path.join(W, "lockfiles")
pop_py = {re.sub(r"[-_.]+", "-", r["project"]).lower(): i for i, r in
          enumerate(json.load(open(os.path.join(W, "popular/top-pypi-packages.min.json")))["rows"])}
pop_npm = {n: i for i, n in enumerate(json.load(open(os.path.join(W, "popular/top_npm_packages.json")))["packages"])}
plan = []

# ---------------- PyPI ----------------
def norm(n): return re.sub(r"[-_.]+", "-", n).lower()
def files(pat):  # the corpus has folders named like lockfiles: keep files only
    return sorted(f for f in glob.glob(f"{L}/**/{pat}", recursive=True) if os.path.isfile(f))
py = {}  # (normname, version) -> (urls, rank)
def add_py(name, ver, urls=None):
    key = (norm(name), ver)
    if key in py: return
    if urls is None:
        n = norm(name)
        fn = [n.replace("-", "_"), n]
        urls = [f"https://files.pythonhosted.org/packages/source/{n[0]}/{n}/{f}-{ver}.tar.gz"
                for f in dict.fromkeys(fn)]
    py[key] = (urls, pop_py.get(norm(name), 10**6), 0 if urls and "/packages/source/" not in urls[0] else 1)

for f in files("uv.lock"):
    for p in tomllib.load(open(f, "rb")).get("package", []):
        s = p.get("sdist") or {}
        u = s.get("url", "")
        if u.startswith("https://files.pythonhosted.org/") and p.get("version"):
            add_py(p["name"], p["version"], [u])
for f in files("poetry.lock") + files("pdm.lock"):
    for p in tomllib.load(open(f, "rb")).get("package", []):
        if p.get("name") and p.get("version") and (p.get("source") or {}).get("type") in (None, "legacy") :
            add_py(p["name"], p["version"])
for f in files("Pipfile.lock"):
    d = json.load(open(f))
    for sec in ("default", "develop"):
        for n, v in (d.get(sec) or {}).items():
            ver = (v.get("version") or "").lstrip("=")
            if ver: add_py(n, ver)
for f in files("requirements*.txt"):
    for line in open(f):
        m = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*([A-Za-z0-9.+!_-]+)", line)
        if m: add_py(m.group(1), m.group(2))
# direct uv.lock URLs first, then by popularity; one version per name preferred
seen = set(); first, rest = [], []
for (n, v), (urls, rank, kind) in sorted(py.items(), key=lambda kv: (kv[1][2], kv[1][1], kv[0])):
    (rest if n in seen else first).append((n, v, urls)); seen.add(n)
for n, v, urls in (first + rest)[: int(os.environ["MAX_PYPI"])]:
    ext = ".zip" if urls[0].endswith(".zip") else ".tar.gz"
    plan.append(("pypi", f"pypi/{n}-{v}{ext}", n, v, *urls))

# ---------------- npm ----------------
KNOWN_NPM = set("""esbuild fsevents keccak secp256k1 node-pty bufferutil utf-8-validate core-js core-js-pure
husky protobufjs nodemon es5-ext cypress puppeteer sharp bcrypt sqlite3 better-sqlite3 canvas deasync re2
leveldown @swc/core unrs-resolver @parcel/watcher msgpackr-extract cpu-features ssh2 nx electron spawn-sync
pre-commit dtrace-provider node-sass @sentry/cli prisma @prisma/engines styled-components tree-sitter lefthook
simple-git-hooks edgedriver chromedriver geckodriver kerberos snappy zeromq iltorb @scarf/scarf
postinstall-postinstall @vscode/ripgrep playwright fibers microtime heapdump farmhash ffi-napi ref-napi
lzma-native node-expat libxmljs usb serialport @serialport/bindings-cpp robotjs grpc @grpc/grpc-js
integer diskusage fs-ext unix-dgram weak-napi segfault-handler node-hid bigint-buffer blake-hash
tiny-secp256k1 bcrypt-pbkdf @napi-rs/canvas lightningcss @tailwindcss/oxide turbo vue-demi
""".split())
npm = {}  # (name, version) -> (url, flag)
def add_npm(name, ver, url, flag):
    if not name or not ver or not url or not url.startswith("https://registry.npmjs.org/"): return
    k = (name, ver)
    if k not in npm or flag > npm[k][1]: npm[k] = (url, flag)
def tarball(name, ver):
    base = name.split("/")[-1]
    return f"https://registry.npmjs.org/{name}/-/{base}-{ver}.tgz"
for f in files("package-lock.json") + files("npm-shrinkwrap.json"):
    d = json.load(open(f))
    for k, v in (d.get("packages") or {}).items():
        if "node_modules/" not in k or v.get("link"): continue
        name = v.get("name") or k.split("node_modules/")[-1]
        flag = 2 if v.get("hasInstallScript") else (1 if name in KNOWN_NPM else 0)
        add_npm(name, v.get("version"), v.get("resolved"), flag)
for f in files("pnpm-lock.yaml"):
    t = open(f).read()
    for m in re.finditer(r"^  '?((?:@[^/@\s']+/)?[^@\s'/]+)@(\d[^:'\s(]*)'?:\s*$", t, re.M):
        name, ver = m.group(1), m.group(2)
        add_npm(name, ver, tarball(name, ver), 2 if re.search(r"requiresBuild: true", t[m.end():m.end()+600].split("\n\n")[0]) else (1 if name in KNOWN_NPM else 0))
sel, per_name = [], {}
for (n, v), (u, fl) in sorted(npm.items(), key=lambda kv: (-kv[1][1], kv[0])):
    if fl > 0 and per_name.get(n, 0) < 3:
        sel.append((n, v, u)); per_name[n] = per_name.get(n, 0) + 1
popc = 0
for (n, v), (u, fl) in sorted(npm.items(), key=lambda kv: (pop_npm.get(kv[0][0], 10**6), kv[0])):
    if fl > 0 or n not in pop_npm or n in per_name: continue
    if popc >= int(os.environ["MAX_NPM_POPULAR"]): break
    sel.append((n, v, u)); per_name[n] = 1; popc += 1
for n, v, u in sel:
    plan.append(("npm", f"npm/{n.replace('/', '__')}-{v}.tgz", n, v, u))

# ---------------- crates.io ----------------
KNOWN_BUILD = set("""libc proc-macro2 serde serde_json anyhow thiserror rustix typenum generic-array
crc32fast memchr num-traits num-integer num-bigint indexmap ring zstd-sys libz-sys openssl-sys openssl
cc semver-parser autocfg httparse io-lifetimes parking_lot_core rayon-core crossbeam-utils
crossbeam-epoch memoffset ahash getrandom mime_guess lock_api wasm-bindgen wasm-bindgen-shared
windows_x86_64_gnu windows_x86_64_msvc windows-targets winapi winapi-x86_64-pc-windows-gnu
winapi-i686-pc-windows-gnu icu_properties_data icu_normalizer_data blake3 psm stacker libm
zerocopy tiny-keccak object rustversion seq-macro paste ref-cast jobserver bzip2-sys lzma-sys
libgit2-sys libssh2-sys curl-sys prettyplease target-lexicon camino nix slab quote syn
rustls ring aws-lc-sys aws-lc-rs mimalloc libmimalloc-sys tikv-jemalloc-sys pulldown-cmark
serde_derive thiserror-impl tokio-macros async-trait pin-project-internal futures-macro
clap_derive tracing-attributes displaydoc zerovec-derive yoke-derive synstructure
zerofrom-derive derive_more ctor pyo3-build-config pyo3-macros-backend wasm-bindgen-macro
wasm-bindgen-backend wasm-bindgen-macro-support""".split())
def crate_interest(n):
    return (n in KNOWN_BUILD or n.endswith(("-sys", "-derive", "_derive", "-macros", "_macros", "-macro",
            "_macro", "-impl", "-internal", "-codegen", "-build", "-attributes")))
cached = set()
for c in glob.glob(os.path.expanduser("~/.cargo/registry/cache/*/*.crate")):
    cached.add(os.path.basename(c)[:-6])
crates = {}
for f in files("Cargo.lock"):
    try: d = tomllib.load(open(f, "rb"))
    except Exception: continue
    for p in d.get("package", []):
        if (p.get("source") or "") == "registry+https://github.com/rust-lang/crates.io-index":
            crates.setdefault((p["name"], p["version"]), 0)
            crates[(p["name"], p["version"])] += 1
cand, per_name = [], {}
# one version per crate name (most-referenced), interesting names first
for (n, v), cnt in sorted(crates.items(), key=lambda kv: (not crate_interest(kv[0][0]), -kv[1], kv[0])):
    if f"{n}-{v}" in cached or per_name.get(n): continue
    per_name[n] = 1
    cand.append((n, v))
    if len(cand) >= int(os.environ["MAX_CRATES_DL"]): break
for n, v in cand:
    plan.append(("crates.io", f"crates/{n}-{v}.crate", n, v, f"https://static.crates.io/crates/{n}/{n}-{v}.crate"))

with open(os.path.join(W, "plan.tsv"), "w") as fh:
    for row in plan: fh.write("\t".join(row) + "\n")
from collections import Counter
print("  candidates:", dict(Counter(r[0] for r in plan)), "| cached crates:", len(cached))
PY

# ---- copy qualifying-or-not cached crates (checked later, no download) ----
for c in "$HOME"/.cargo/registry/cache/*/*.crate; do
  [ -e "$c" ] || continue
  b=$(basename "$c")
  grep -qxF "crates/$b" "$OUT/crates/.rejected" && continue
  [ -s "$OUT/crates/$b" ] || cp "$c" "$OUT/crates/$b"
done

fetch_one() {
  local line=$1 eco rel name ver dest err u
  IFS=$'\t' read -r -a f <<<"$line"
  eco=${f[0]} rel=${f[1]} name=${f[2]} ver=${f[3]}
  dest="$OUT/$rel"
  [ -s "$dest" ] && return 0
  # crates already found to have neither build.rs nor proc-macro are not fetched again
  grep -qxF "$rel" "$OUT/crates/.rejected" && return 0
  # artifacts that failed before are only retried with RETRY_FAILED=1
  if [ -z "${RETRY_FAILED:-}" ] && grep -qF " FAIL $eco $rel " "$OUT/errors.log"; then return 0; fi
  err=""
  for u in "${f[@]:4}"; do
    if msg=$(curl -sSfL --retry 2 --max-time 60 -o "$dest.part" "$u" 2>&1); then
      magic=$(head -c 4 "$dest.part" | od -An -tx1 | tr -d ' \n')
      case "$magic" in
        1f8b*|504b0304) mv -f "$dest.part" "$dest"; return 0 ;;
        *) err="$err [$u: not an archive (magic=$magic)]" ;;
      esac
    else
      err="$err [$u: ${msg//$'\n'/ }]"
    fi
    rm -f "$dest.part"
  done
  printf '%s FAIL %s %s %s@%s:%s\n' "$(date -u +%FT%TZ)" "$eco" "$rel" "$name" "$ver" "$err" >>"$OUT/errors.log"
  return 0
}
export -f fetch_one

N=$(wc -l <"$WORK/plan.tsv")
echo "== downloading up to $N artifacts ($JOBS in parallel; existing ones skipped)"
tr '\n' '\0' <"$WORK/plan.tsv" | xargs -0 -n 1 -P "$JOBS" bash -c 'fetch_one "$1"' _

echo "== inspecting archives (read-only) and writing manifest"
cp "$WORK/plan.tsv" "$OUT/.plan.tsv.tmp"
python3 - <<'PY'
import io, json, os, re, tarfile, zipfile, glob, time
OUT = os.environ["OUT"]
plan = {}
for line in open(os.path.join(OUT, ".plan.tsv.tmp")):
    r = line.rstrip("\n").split("\t")
    plan[r[1]] = (r[0], r[2], r[3])
os.remove(os.path.join(OUT, ".plan.tsv.tmp"))
# keep manifest entries of earlier runs whose files still exist
old = {}
mp = os.path.join(OUT, "manifest.json")
if os.path.exists(mp):
    try:
        for e in json.load(open(mp)): old[e["file"]] = e
    except Exception: pass
rej_path = os.path.join(OUT, "crates/.rejected")
rejected = set(open(rej_path).read().split())
errlog = open(os.path.join(OUT, "errors.log"), "a")
def now(): return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

def members_tar(p):
    with tarfile.open(p, "r:*") as t:
        return t, [m for m in t.getmembers()]
def read_member(t, m, limit=2_000_000):
    fh = t.extractfile(m)
    return fh.read(limit).decode("utf-8", "replace") if fh else ""

manifest = []
for rel in sorted(set(plan) | set(old) |
                  {os.path.relpath(p, OUT) for p in glob.glob(os.path.join(OUT, "crates/*.crate"))}):
    path = os.path.join(OUT, rel)
    if not os.path.isfile(path) or os.path.getsize(path) == 0: continue
    eco, name, ver = plan.get(rel, (None, None, None))
    if eco is None and rel in old: eco, name, ver = old[rel]["ecosystem"], old[rel]["name"], old[rel]["version"]
    if eco is None and rel.startswith("crates/"):
        m = re.match(r"^(.*)-(\d+\.\d+\.\d+.*)\.crate$", os.path.basename(rel))
        if not m: continue
        eco, name, ver = "crates.io", m.group(1), m.group(2)
    entry = {"file": rel, "ecosystem": eco, "name": name, "version": ver}
    try:
        if rel.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
            entry["setup_py"] = any(re.fullmatch(r"[^/]+/setup\.py", n) for n in names)
            entry["pyproject"] = any(re.fullmatch(r"[^/]+/pyproject\.toml", n) for n in names)
        else:
            with tarfile.open(path, "r:*") as t:
                ms = t.getmembers()
                names = [m.name for m in ms]
                if eco == "pypi":
                    entry["setup_py"] = any(re.fullmatch(r"[^/]+/setup\.py", n) for n in names)
                    entry["pyproject"] = any(re.fullmatch(r"[^/]+/pyproject\.toml", n) for n in names)
                elif eco == "npm":
                    pj = sorted((m for m in ms if re.fullmatch(r"[^/]+/package\.json", m.name)), key=lambda m: m.name != "package/package.json")
                    meta = json.loads(read_member(t, pj[0])) if pj else {}
                    scripts = meta.get("scripts") or {}
                    entry["install_script"] = any(k in scripts for k in ("preinstall", "install", "postinstall"))
                    entry["binding_gyp"] = any(re.fullmatch(r"[^/]+/binding\.gyp", n) for n in names)
                    entry["main"] = bool(meta.get("main") or meta.get("exports"))
                elif eco == "crates.io":
                    top = f"{name}-{ver}/"
                    ct = [m for m in ms if m.name == top + "Cargo.toml"]
                    toml = read_member(t, ct[0]) if ct else ""
                    entry["build_rs"] = (top + "build.rs") in names or bool(re.search(r'^\s*build\s*=\s*"', toml, re.M))
                    entry["proc_macro"] = bool(re.search(r"^\s*proc[-_]macro\s*=\s*true", toml, re.M))
                    if not (entry["build_rs"] or entry["proc_macro"]):
                        os.remove(path)
                        if rel not in rejected:
                            rejected.add(rel)
                        continue
    except Exception as ex:
        errlog.write(f"{now()} BAD {eco} {rel}: unreadable archive ({ex}); deleted\n")
        os.remove(path); continue
    manifest.append(entry)
open(rej_path, "w").write("\n".join(sorted(rejected)) + ("\n" if rejected else ""))
json.dump(manifest, open(mp + ".tmp", "w"), indent=1)
os.replace(mp + ".tmp", mp)

by = lambda e: [m for m in manifest if m["ecosystem"] == e]
py, npm, cr = by("pypi"), by("npm"), by("crates.io")
size = sum(os.path.getsize(os.path.join(OUT, m["file"])) for m in manifest)
print(f"pypi:      {len(py)} sdists ({sum(m.get('setup_py', False) for m in py)} with setup.py)")
print(f"npm:       {len(npm)} tarballs ({sum(m['install_script'] for m in npm)} install scripts, "
      f"{sum(m['binding_gyp'] for m in npm)} binding.gyp, "
      f"{sum(m['install_script'] or m['binding_gyp'] for m in npm)} either, {sum(m['main'] for m in npm)} with main/exports)")
print(f"crates.io: {len(cr)} crates ({sum(m['build_rs'] for m in cr)} build.rs, {sum(m['proc_macro'] for m in cr)} proc-macro)")
print(f"total:     {len(manifest)} archives, {size} bytes; {len(rejected)} crates rejected (no build.rs/proc-macro)")
PY
echo "failed artifacts: $(awk '$2 == "FAIL" {print $4}' "$OUT/errors.log" | sort -u | wc -l) distinct (see $OUT/errors.log)"
echo "manifest: $OUT/manifest.json; took $(( $(date +%s) - START ))s"
