const fs = require('fs');
const path = require('path');
const silent = ['true', '1'].includes(process.env.ADBLOCK) || process.env.CI;
const config = path.join(__dirname, '..', 'config.json');
if (!silent && fs.existsSync(config)) {
  const banner = JSON.parse(fs.readFileSync(config, 'utf8')).banner;
  console.log(banner);
}
