#!/usr/bin/env bash
# Measures what the sandbox costs (docs/sandbox.md, docs/benchmarks.md):
#  1. start-up: `tollgate run -- true` against `true`;
#  2. a real build: `cargo build --offline` of a small crate with a C file and a few
#     registry dependencies (proc-macros and build scripts included), inside and outside.
# Needs hyperfine (`apt-get install -y hyperfine`) and the workspace's dependencies already
# in the cargo cache (build the workspace once first). Offline; writes only to a temp dir.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${RUNS:-5}"
cargo build --release --quiet -p tollgate-cli --manifest-path "$root/Cargo.toml"
tollgate="$root/target/release/tollgate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "== start-up: tollgate run -- true vs true"
hyperfine --warmup 20 --runs 300 -N --export-json "$work/startup.json" \
  "true" "$tollgate run -- true"

project="$work/bench-crate"
mkdir -p "$project/src"
cat > "$project/Cargo.toml" <<'TOML'
[package]
name = "bench-crate"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
landlock = "0.4.8"
libc = "0.2"
thiserror = "2"

[build-dependencies]
cc = "1"

[workspace]
TOML
cat > "$project/build.rs" <<'RS'
fn main() { cc::Build::new().file("src/native.c").compile("native"); }
RS
echo 'int native_add(int a, int b) { return a + b; }' > "$project/src/native.c"
cat > "$project/src/main.rs" <<'RS'
unsafe extern "C" { fn native_add(a: i32, b: i32) -> i32; }
fn main() { println!("{} {:?}", unsafe { native_add(2, 3) }, landlock::ABI::V1); }
RS
(cd "$project" && cargo generate-lockfile --offline --quiet)

echo "== real build: cargo build --offline (clean target each run), outside vs inside"
cd "$project"
hyperfine --warmup 1 --runs "$runs" --prepare "rm -rf $project/target" \
  --export-json "$work/build.json" \
  "cargo build --offline --quiet" \
  "$tollgate run -- cargo build --offline --quiet"

python3 - "$work/startup.json" "$work/build.json" <<'PY'
import json, sys
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base, sandboxed = results[0]["mean"], results[1]["mean"]
    print(f"{results[1]['command']}: {sandboxed*1000:.2f} ms vs {base*1000:.2f} ms "
          f"(+{(sandboxed-base)*1000:.2f} ms, {100*(sandboxed-base)/base:+.1f}%)")
PY
