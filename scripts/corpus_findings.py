#!/usr/bin/env python3
"""Finding counts per corpus lockfile (issue 13, docs/status.md): `corpus_findings.py TOLLGATE DB OUT.json`.
Expects the corpus lockfiles unpacked at /tmp/corpus13 (tar xzf shared/corpus/lockfiles.tar.gz -C /tmp/corpus13)."""
import json, subprocess, sys, collections, pathlib
binary, db, out = sys.argv[1], sys.argv[2], sys.argv[3]
root = pathlib.Path('/tmp/corpus13/lockfiles')
names = {'requirements.txt','poetry.lock','pnpm-lock.yaml','package-lock.json','Cargo.lock','uv.lock','npm-shrinkwrap.json','yarn.lock','bun.lock','pdm.lock','Pipfile.lock'}
result = {}
for f in sorted(root.rglob('*')):
    if f.name not in names or not f.is_file(): continue
    p = subprocess.run([binary, 'scan', '--format', 'json', '--db', db, str(f)], capture_output=True, text=True)
    try:
        j = json.loads(p.stdout)
    except Exception:
        result[str(f.relative_to(root))] = {'error': p.stderr[-300:]}; continue
    c = collections.Counter(x['code'] for x in j['findings'])
    result[str(f.relative_to(root))] = dict(sorted(c.items()), total=len(j['findings']))
json.dump(result, open(out,'w'), indent=1)
