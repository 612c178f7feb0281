const path = require('path');
const child_process = require('child_process');
const binPath = path.join(__dirname, 'bin', 'tool');
const version = child_process.execFileSync(binPath, ['--version'], { stdio: 'pipe' }).toString().trim();
if (version !== require('./package.json').version) {
  throw new Error(`Expected ${JSON.stringify(require('./package.json').version)} but got ${JSON.stringify(version)}`);
}
