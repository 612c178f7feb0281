//! `tollgate scan` end to end, on the advisory crate's fixtures (no corpus, no network).

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

mod common;
use common::{advisory_fixtures, fixture_db, tollgate};

fn write_lock(dir: &Path, packages: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("version = 4\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ));
    }
    let path = dir.join("Cargo.lock");
    std::fs::write(&path, text).unwrap();
    path
}

/// The document `tollgate scan --format FORMAT` prints for the advisory fixture's
/// Cargo.lock against the fixture database (which has findings: exit 1).
fn scan_advisory_fixture(format: &str) -> serde_json::Value {
    let db = fixture_db();
    let output = tollgate()
        .args(["scan", "--format", format, "--db"])
        .arg(db.path())
        .arg(advisory_fixtures().join("Cargo.lock"))
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn malicious_crates_fail_the_scan_with_lockfile_lines() {
    let json = scan_advisory_fixture("json");
    let findings = json["findings"].as_array().unwrap();
    let malicious: Vec<(&str, u64)> = findings
        .iter()
        .filter(|f| f["code"] == "malicious")
        .map(|f| (f["name"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        malicious,
        [("chrono_anchor", 5), ("dnp3times", 22), ("time-sync", 40)]
    );
    assert!(
        findings
            .iter()
            .all(|f| f["lockfile"].as_str().unwrap().ends_with("Cargo.lock"))
    );
    let time = findings.iter().find(|f| f["name"] == "time").unwrap();
    assert_eq!(time["id"], "RUSTSEC-2020-0071");
    assert_eq!(time["fixed"], "0.2.0");
    assert_eq!(json["errors"], serde_json::json!([]));
    assert_eq!(json["advisories"]["checked"], true);
}

#[test]
fn fail_on_sets_the_threshold() {
    let db = fixture_db();
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(dir.path(), &[("time", "0.1.45")]);
    let scan = |threshold: &str| {
        let mut command = tollgate();
        command
            .args(["scan", "--fail-on", threshold, "--db"])
            .arg(db.path())
            .arg(&lock);
        command
    };
    scan("high")
        .assert()
        .code(0)
        .stdout(contains("RUSTSEC-2020-0071"));
    scan("medium").assert().code(1);
}

#[test]
fn clean_lockfile_exits_zero() {
    let db = fixture_db();
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(dir.path(), &[("time", "0.2.23"), ("serde", "1.0.200")]);
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(&lock)
        .assert()
        .code(0)
        .stdout(contains("in 1 lockfile, 2 packages"))
        // The lock has no checksums, so the policy's `hashes` check (a warning by default)
        // speaks; no advisory does.
        .stdout(contains("vulnerability").not())
        .stdout(contains("RUSTSEC").not());
}

#[test]
fn missing_database_is_an_error_unless_allowed() {
    let empty = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(dir.path(), &[("time", "0.1.45")]);
    tollgate()
        .args(["scan", "--db"])
        .arg(empty.path())
        .arg(&lock)
        .assert()
        .code(2)
        .stderr(contains("advisories were NOT checked"))
        .stderr(contains("tollgate db update"));
    tollgate()
        .args(["scan", "--allow-missing-db", "--db"])
        .arg(empty.path())
        .arg(&lock)
        .assert()
        .code(0)
        .stderr(contains("tollgate db import PATH"));
}

#[test]
fn database_location_comes_from_the_environment() {
    let db = fixture_db();
    let mut command = tollgate();
    command
        .env("TOLLGATE_DB", db.path())
        .args(["scan", "--format", "json"])
        .arg(advisory_fixtures().join("Cargo.lock"))
        .assert()
        .code(1)
        .stdout(contains("RUSTSEC-2026-0039"));
}

#[test]
fn unreadable_lockfile_exits_two() {
    let db = fixture_db();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.lock"), "[[package]\nname = ").unwrap();
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(dir.path().join("Cargo.lock"))
        .assert()
        .code(2)
        .stderr(contains("error:"));
}

#[test]
fn sarif_results_point_at_the_lockfile_line() {
    let sarif = scan_advisory_fixture("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let first = &results[0];
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"],
        5
    );
}

#[test]
fn markdown_renders_a_table() {
    let db = fixture_db();
    tollgate()
        .args(["scan", "--format", "markdown", "--db"])
        .arg(db.path())
        .arg(advisory_fixtures().join("Cargo.lock"))
        .assert()
        .code(1)
        .stdout(contains("| critical | malicious | `chrono_anchor 0.1.0` |"));
}

/// `[[advisories.ignore]]` in tollgate.toml hides an advisory until its expiry date; an
/// expired ignore shows the advisory again and is itself reported at its config line.
#[test]
fn policy_ignores_hide_advisories_until_they_expire() {
    let db = fixture_db();
    let dir = tempfile::tempdir().unwrap();
    let lock = write_lock(dir.path(), &[("time", "0.1.45")]);
    let scan_with_expiry = |expires: &str| {
        std::fs::write(
            dir.path().join("tollgate.toml"),
            format!(
                "[advisories]\nignore = [\n  {{ id = \"RUSTSEC-2020-0071\", reason = \"not reachable\", expires = \"{expires}\" }},\n]\n"
            ),
        )
        .unwrap();
        let mut command = tollgate();
        command
            .args(["scan", "--fail-on", "medium", "--format", "json", "--db"])
            .arg(db.path())
            .arg(&lock);
        command
    };
    let live = scan_with_expiry("2999-01-01").assert().code(0);
    let json: serde_json::Value = serde_json::from_slice(&live.get_output().stdout).unwrap();
    let ids: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["id"].as_str())
        .collect();
    assert!(
        !ids.contains(&"RUSTSEC-2020-0071"),
        "ignored advisory reported: {ids:?}"
    );

    let expired = scan_with_expiry("2020-01-01").assert().code(1);
    let json: serde_json::Value = serde_json::from_slice(&expired.get_output().stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["id"] == "RUSTSEC-2020-0071" && f["code"] == "vulnerability")
    );
    let expired_ignore = findings
        .iter()
        .find(|f| f["code"] == "expired-ignore")
        .expect("an expired-ignore finding");
    assert_eq!(expired_ignore["line"], 3);
}
