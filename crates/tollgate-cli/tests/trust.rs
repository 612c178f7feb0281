//! `tollgate trust` (and `vet`): exit codes, the JSON document, and the `[trust]` check of
//! `scan` on the fixture projects of `tollgate-trust`.

mod common;

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

use common::tollgate;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tollgate-trust/tests/fixtures")
        .join(name)
}

/// A project with one crate and a store that audits it.
fn vetted_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"itoa\"]\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.11\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    )
    .unwrap();
    let store = dir.path().join("supply-chain");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(
        store.join("config.toml"),
        "[cargo-vet]\nversion = \"0.10\"\n",
    )
    .unwrap();
    std::fs::write(
        store.join("audits.toml"),
        "[[audits.itoa]]\nwho = \"A\"\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.11\"\n",
    )
    .unwrap();
    dir
}

fn json(args: &[&str], path: &Path, code: i32) -> Value {
    let output = tollgate()
        .arg("trust")
        .args(args)
        .args(["--format", "json"])
        .arg(path)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn exit_0_when_everything_is_vetted() {
    let project = vetted_project();
    tollgate()
        .arg("trust")
        .arg(project.path())
        .assert()
        .code(0)
        .stdout(contains("vetted: 1 (1 by own audits"));
}

#[test]
fn exit_1_and_the_json_document_when_something_is_not() {
    let document = json(&[], &fixture("cargo"), 1);
    assert_eq!(document["criteria"], serde_json::json!(["safe-to-deploy"]));
    assert_eq!(
        document["summary"],
        serde_json::json!({
            "packages": 13, "vetted_by_audit": 4, "vetted_by_import": 2,
            "vetted_by_exemption": 1, "not_required": 1, "unvetted": 4,
            "violations": 1, "out_of_scope": 1
        })
    );
    let packages = document["packages"].as_array().unwrap();
    let find = |name: &str| packages.iter().find(|p| p["name"] == name).unwrap();

    let chain = find("delta-chain");
    assert_eq!(chain["status"], "vetted");
    assert_eq!(chain["vetted_by"], "audit");
    assert_eq!(chain["required"], serde_json::json!(["safe-to-deploy"]));
    assert_eq!(chain["evidence"][1]["kind"], "delta-audit");
    assert_eq!(chain["evidence"][1]["from"], "1.0.0");
    assert_eq!(chain["evidence"][1]["line"], 36);

    let broken = find("broken-chain");
    assert_eq!(broken["status"], "unvetted");
    assert_eq!(broken["found"], serde_json::json!([]));
    assert_eq!(broken["nearest"][0]["version"], "1.0.0");
    assert_eq!(broken["suggestion"]["from"], "1.0.0");
    assert_eq!(broken["suggestion"]["to"], "2.0.0");
    assert_eq!(broken["locations"][0]["line"], 32);

    let violated = find("violated");
    assert_eq!(violated["status"], "violation");
    assert_eq!(violated["evidence"][0]["import"], "friends");
    assert_eq!(violated["evidence"][0]["range"], "=1.5.0");

    assert_eq!(find("fuzz-only")["status"], "not-required");
    assert_eq!(find("peer-mapped")["vetted_by"], "import");
    assert_eq!(
        find("wildcard-crate")["evidence"][0]["publisher"]["user-id"],
        42
    );
    assert_eq!(document["out_of_scope"][0]["name"], "git-dep");
    assert!(document["errors"].as_array().unwrap().is_empty());
}

#[test]
fn criteria_flag_changes_what_is_required() {
    let document = json(&["--criteria", "safe-to-run"], &fixture("cargo"), 1);
    let packages = document["packages"].as_array().unwrap();
    let run_only = packages.iter().find(|p| p["name"] == "run-only").unwrap();
    assert_eq!(run_only["status"], "vetted");
    tollgate()
        .args(["trust", "--criteria", "safe-to-depoly"])
        .arg(fixture("cargo"))
        .assert()
        .code(2)
        .stderr(contains("`safe-to-depoly` is not a criteria of the store"));
}

#[test]
fn exit_2_on_a_malformed_store_naming_file_and_line() {
    let project = vetted_project();
    let audits = project.path().join("supply-chain/audits.toml");
    std::fs::write(
        &audits,
        "[[audits.itoa]]\ncriteria = \"safe-to-deploy\"\nversion = \"1.0\"\n",
    )
    .unwrap();
    tollgate()
        .arg("trust")
        .arg(project.path())
        .assert()
        .code(2)
        .stderr(contains("audits.toml:3"))
        .stderr(contains("bad crates.io version"));
    let document = json(&[], project.path(), 2);
    let error = &document["errors"][0];
    assert!(error["path"].as_str().unwrap().ends_with("audits.toml"));
    assert_eq!(error["line"], 3);
}

#[test]
fn vet_status_prints_the_counts_only() {
    tollgate()
        .args(["vet", "status"])
        .arg(fixture("npm"))
        .assert()
        .code(1)
        .stdout(contains("unvetted: 1"))
        .stdout(contains("violations: 1"))
        .stdout(contains("UNVETTED").not());
}

#[test]
fn scan_reports_trust_findings_when_a_store_exists() {
    let output = tollgate()
        .args(["scan", "--allow-missing-db", "--format", "json", "--db"])
        .arg(tempfile::tempdir().unwrap().path())
        .arg(fixture("cargo"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let document: Value = serde_json::from_slice(&output).unwrap();
    let findings = document["findings"].as_array().unwrap();
    let violation = findings
        .iter()
        .find(|f| f["code"] == "trust-violation")
        .unwrap();
    assert_eq!(violation["severity"], "high");
    assert_eq!(violation["name"], "violated");
    let evidence = violation["evidence"].as_array().unwrap();
    assert!(
        evidence
            .iter()
            .any(|e| e["path"].as_str().unwrap().ends_with("imports.lock") && e["line"] == 37)
    );
    let unaudited: Vec<&Value> = findings
        .iter()
        .filter(|f| f["code"] == "trust-unaudited")
        .collect();
    assert_eq!(unaudited.len(), 4);
    assert!(unaudited.iter().all(|f| f["severity"] == "info"));
}

#[test]
fn a_trust_level_without_a_store_is_an_error() {
    let project = vetted_project();
    std::fs::remove_dir_all(project.path().join("supply-chain")).unwrap();
    std::fs::write(
        project.path().join("tollgate.toml"),
        "[trust]\nlevel = \"deny\"\n",
    )
    .unwrap();
    tollgate()
        .args(["policy"])
        .arg(project.path())
        .assert()
        .code(2)
        .stdout(contains("no cargo-vet store here"));
    std::fs::write(project.path().join("tollgate.toml"), "").unwrap();
    tollgate()
        .args(["policy"])
        .arg(project.path())
        .assert()
        .code(0);
}
