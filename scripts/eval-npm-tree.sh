#!/usr/bin/env bash
# eval-npm-tree.sh — false-positive check of the verdict on real npm code: installs a fixed
# list of popular packages (and everything they depend on, about 2,000 packages) with
# `npm install --ignore-scripts` (nothing of theirs runs) into target/npm-tree, then judges
# every package directory of node_modules with `tollgate inspect DIR --format json` and
# prints the counts and every package at or above `suspicious` with its top reasons.
#
#   scripts/eval-npm-tree.sh [TOLLGATE_BINARY]
#
# Needs the npm registry once (not part of CI). Packages over the analysis limits show as
# `analysis-limit` (20 s per package: a loaded machine makes more of them).
set -euo pipefail
cd "$(dirname "$0")/.."
TOLLGATE="${1:-target/release/tollgate}"
TREE=target/npm-tree
PACKAGES=(express webpack eslint jest typescript react react-dom next vite axios lodash moment
  chalk commander yargs puppeteer-core sharp esbuild @babel/core prettier mongoose sequelize pg
  mysql2 redis ioredis socket.io ws aws-sdk @aws-sdk/client-s3 googleapis firebase-admin stripe
  twilio nodemailer dotenv winston pino bunyan node-fetch got request superagent needle cheerio
  jsdom playwright-core electron-to-chromium husky lint-staged nodemon pm2 concurrently rimraf glob
  chokidar fs-extra sqlite3 bcrypt node-sass canvas serialport @grpc/grpc-js protobufjs dd-trace
  newrelic @sentry/node applicationinsights clipboardy open execa shelljs cross-spawn node-gyp
  prebuild-install node-pre-gyp @mapbox/node-pre-gyp)
if [ ! -d "$TREE/node_modules" ]; then
  mkdir -p "$TREE"
  (cd "$TREE" && npm init -y >/dev/null && npm install --ignore-scripts --no-audit --no-fund "${PACKAGES[@]}")
fi
python3 - "$TOLLGATE" "$TREE/node_modules" <<'PY'
import collections, concurrent.futures, json, os, subprocess, sys
tollgate, root = sys.argv[1], sys.argv[2]
dirs = []
for parent, names, files in os.walk(root):
    if "package.json" not in files:
        continue
    up = os.path.basename(os.path.dirname(parent))
    upup = os.path.basename(os.path.dirname(os.path.dirname(parent)))
    if up == "node_modules" or (up.startswith("@") and upup == "node_modules"):
        dirs.append(parent)
def judge(path):
    run = subprocess.run([tollgate, "inspect", path, "--format", "json", "-q"], capture_output=True, text=True)
    try:
        verdict = json.loads(run.stdout)["verdict"]
    except (ValueError, KeyError):
        return path, "error", -1, run.stderr.strip()[:200]
    top = sorted(verdict["reasons"], key=lambda r: -r.get("points", 0))[:3]
    why = " | ".join(f"{r['rule']}@{r['file']}:{r['line']}({r.get('points')})" for r in top)
    return path, verdict["level"], verdict["score"], why
with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
    results = list(pool.map(judge, sorted(dirs)))
counts = collections.Counter(level for _, level, _, _ in results)
print(f"{len(results)} packages: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
for path, level, score, why in results:
    if level != "clean":
        print(f"  {level} {score} {os.path.relpath(path, root)}: {why}")
PY
