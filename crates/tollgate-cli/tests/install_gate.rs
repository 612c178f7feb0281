//! `tollgate install` as a gate, offline: a loopback npm registry served by the test (packuments
//! in the registry's shape, a tarball made with `npm pack`) and a local OSV feed that marks
//! the harmless fixture release as malicious. A refused install leaves package.json as it
//! was, writes no package-lock.json and no node_modules; a clean one installs.
//! Skipped (with a printed reason) when npm is not installed.

mod common;

use std::path::Path;

use predicates::str::contains;
use tempfile::TempDir;

const NAME: &str = "harmless-gate-fixture";

/// Serves `/NAME` packuments and `/NAME/-/NAME-1.0.0.tgz` from `tarball`; 404 otherwise.
fn serve(tarball: Vec<u8>) -> String {
    let root = std::sync::Arc::new(std::sync::OnceLock::<String>::new());
    let known = root.clone();
    let base = common::serve(usize::MAX, move |path| {
        let name = path.trim_start_matches('/');
        if path.ends_with(".tgz") {
            ("200 OK", "application/octet-stream", tarball.clone())
        } else if name == NAME || name == "expresss" {
            let root = known.get().map_or("", String::as_str);
            (
                "200 OK",
                "application/json",
                packument(name, root).into_bytes(),
            )
        } else {
            ("404 Not Found", "application/json", b"{}".to_vec())
        }
    });
    root.set(base.clone()).unwrap();
    base
}

fn packument(name: &str, root: &str) -> String {
    serde_json::json!({
        "name": name,
        "dist-tags": {"latest": "1.0.0"},
        "versions": {"1.0.0": {
            "name": name, "version": "1.0.0", "license": "MIT",
            "dist": {"tarball": format!("{root}/{name}/-/{name}-1.0.0.tgz")},
        }},
        "time": {"1.0.0": "2024-01-01T00:00:00Z"},
    })
    .to_string()
}

/// A tarball of a package with no install-time code, made by `npm pack`.
fn tarball(work: &Path) -> Vec<u8> {
    let dir = work.join("src");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("package.json"),
        format!(r#"{{"name":"{NAME}","version":"1.0.0","license":"MIT","main":"index.js"}}"#),
    )
    .unwrap();
    std::fs::write(dir.join("index.js"), "module.exports = 1;\n").unwrap();
    let status = std::process::Command::new("npm")
        .args(["pack", "--silent", "--pack-destination"])
        .arg(work)
        .current_dir(&dir)
        .env("HOME", work)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::read(work.join(format!("{NAME}-1.0.0.tgz"))).unwrap()
}

/// An index with one malicious-package record for `name`@1.0.0.
fn db(work: &Path, name: &str) -> std::path::PathBuf {
    let record = work.join("MAL-2026-9999.json");
    std::fs::write(
        &record,
        serde_json::json!({
            "id": "MAL-2026-9999",
            "modified": "2026-01-01T00:00:00Z",
            "summary": format!("Malicious code in {name} (npm) (test feed)"),
            "affected": [{"package": {"ecosystem": "npm", "name": name}, "versions": ["1.0.0"]}],
        })
        .to_string(),
    )
    .unwrap();
    let db = work.join(format!("db-{name}"));
    common::tollgate()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&record)
        .assert()
        .success();
    db
}

struct Setup {
    work: TempDir,
    project: std::path::PathBuf,
    registry: String,
}

const MANIFEST: &str =
    "{\n  \"name\": \"scratch\",\n  \"version\": \"1.0.0\",\n  \"private\": true\n}\n";

fn setup() -> Setup {
    let work = TempDir::new().unwrap();
    let registry = serve(tarball(work.path()));
    let project = work.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(project.join("package.json"), MANIFEST).unwrap();
    Setup {
        work,
        project,
        registry,
    }
}

fn install(setup: &Setup, db: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    common::tollgate()
        .current_dir(&setup.project)
        .env("HOME", setup.work.path())
        .env("XDG_CACHE_HOME", setup.work.path().join("cache"))
        .env("NPM_CONFIG_CACHE", setup.work.path().join("npm-cache"))
        .env("NPM_CONFIG_REGISTRY", &setup.registry)
        .args(["install", "--db"])
        .arg(db)
        .args(["npm", "--"])
        .args(args)
        .timeout(std::time::Duration::from_secs(180))
        .assert()
}

fn assert_untouched(setup: &Setup) {
    let manifest = std::fs::read_to_string(setup.project.join("package.json")).unwrap();
    assert_eq!(manifest, MANIFEST, "package.json restored byte for byte");
    assert!(!setup.project.join("package-lock.json").exists());
    assert!(!setup.project.join("node_modules").exists());
}

#[test]
fn malicious_release_is_refused_before_anything_lands() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let setup = setup();
    let db = db(setup.work.path(), NAME);
    install(&setup, &db, &[NAME, "--no-audit"])
        .code(1)
        .stderr(contains("MAL-2026-9999"))
        .stderr(contains("refused"));
    assert_untouched(&setup);
}

#[test]
fn typosquat_is_refused() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let setup = setup();
    let db = db(setup.work.path(), "some-other-package");
    install(&setup, &db, &["expresss"])
        .code(1)
        .stderr(contains("express"))
        .stderr(contains("refused"));
    assert_untouched(&setup);
}

#[test]
fn nonexistent_name_is_refused() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let setup = setup();
    let db = db(setup.work.path(), "some-other-package");
    install(&setup, &db, &["no-such-package-gate"]).code(1);
    assert_untouched(&setup);
}

#[test]
fn clean_package_installs() {
    if !common::available("npm") {
        println!("skipped: npm is not installed");
        return;
    }
    let setup = setup();
    let db = db(setup.work.path(), "some-other-package");
    install(&setup, &db, &[NAME]).success();
    assert!(
        setup
            .project
            .join("node_modules")
            .join(NAME)
            .join("index.js")
            .is_file()
    );
    let lock = std::fs::read_to_string(setup.project.join("package-lock.json")).unwrap();
    assert!(lock.contains(NAME));
}
