//! Issue 13, "results you can trust", the advisory index end to end: an import never
//! makes the index worse, a corrupt index is refused with the fix, and scans warn when the
//! index is stale or does not cover an ecosystem. Fixtures are written by the tests (no
//! corpus, no network).

use std::path::Path;

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

mod common;
use common::{cargo_lock, fixture_db, now_rfc3339, record, tollgate, write};

fn status_json(db: &Path) -> serde_json::Value {
    let output = tollgate()
        .args(["db", "status", "--format", "json", "--db"])
        .arg(db)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

#[test]
fn an_import_without_valid_records_fails_and_keeps_the_index() {
    let db = fixture_db();
    let before = std::fs::read(db.path().join("advisories.idx")).unwrap();
    let bad = tempfile::tempdir().unwrap();
    write(bad.path(), "junk.json", "{ not osv");
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(bad.path())
        .assert()
        .code(2)
        .stderr(contains("no valid advisory record").and(contains("left unchanged")));
    assert_eq!(
        std::fs::read(db.path().join("advisories.idx")).unwrap(),
        before
    );
    assert_eq!(status_json(db.path())["header"]["records"], 7);
}

#[test]
fn importing_one_ecosystem_keeps_the_others_and_replace_starts_over() {
    let db = fixture_db();
    let npm = tempfile::tempdir().unwrap();
    write(
        npm.path(),
        "GHSA-aaaa-bbbb-cccc.json",
        &record(
            "GHSA-aaaa-bbbb-cccc",
            "npm",
            "left-pad",
            "2026-11-01T00:00:00Z",
        ),
    );
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(npm.path())
        .assert()
        .success()
        .stdout(contains("imported 1 records").and(contains("kept 7 records")));
    let status = status_json(db.path());
    assert_eq!(status["header"]["records"], 8);
    assert_eq!(status["ecosystems"]["crates.io"]["records"], 6);
    assert_eq!(status["ecosystems"]["npm"]["records"], 1);
    assert_eq!(
        status["ecosystems"]["npm"]["sources"]["GHSA"]["newest_modified"],
        "2026-11-01T00:00:00Z"
    );
    assert!(
        status["ecosystems"]["npm"]["data_age_days"]
            .as_i64()
            .is_some()
    );

    tollgate()
        .args(["db", "import", "--replace", "--db"])
        .arg(db.path())
        .arg(npm.path())
        .assert()
        .success();
    let status = status_json(db.path());
    assert_eq!(status["header"]["records"], 1);
    assert!(status["ecosystems"]["crates.io"].is_null());
}

#[test]
fn a_corrupt_index_is_refused_with_the_fix() {
    let db = fixture_db();
    let path = db.path().join("advisories.idx");
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    tollgate()
        .args(["db", "status", "--db"])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(contains("checksum").and(contains("tollgate db import")));
    let lock = tempfile::tempdir().unwrap();
    cargo_lock(lock.path(), &[("time", "0.1.45")]);
    // A scan reads only the records it needs, so the damaged record above passes
    // unnoticed there; damaged tables are refused at open.
    let mut bytes = std::fs::read(&path).unwrap();
    let header_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    bytes[16 + header_len + 32 + 1] ^= 0x01;
    std::fs::write(&path, bytes).unwrap();
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(lock.path())
        .assert()
        .code(2)
        .stderr(contains("checksum"));
    // A partial import cannot keep what it cannot read: it says how to start over.
    let npm = tempfile::tempdir().unwrap();
    write(
        npm.path(),
        "a.json",
        &record(
            "GHSA-aaaa-bbbb-cccc",
            "npm",
            "left-pad",
            "2026-11-01T00:00:00Z",
        ),
    );
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(npm.path())
        .assert()
        .code(2)
        .stderr(contains("--replace"));
}

#[test]
fn scans_warn_db_stale_and_db_no_coverage() {
    let db = tempfile::tempdir().unwrap();
    let osv = tempfile::tempdir().unwrap();
    write(
        osv.path(),
        "RUSTSEC-2020-9999.json",
        &record(
            "RUSTSEC-2020-9999",
            "crates.io",
            "oldcrate",
            "2020-01-01T00:00:00Z",
        ),
    );
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(osv.path())
        .assert()
        .success();
    let project = tempfile::tempdir().unwrap();
    cargo_lock(project.path(), &[("serde", "1.0.0")]);
    write(
        project.path(),
        "package-lock.json",
        r#"{"name":"p","lockfileVersion":3,"packages":{"":{"name":"p"},"node_modules/left-pad":{"version":"1.0.0","resolved":"https://registry.npmjs.org/left-pad/-/left-pad-1.0.0.tgz","integrity":"sha512-AAAA"}}}"#,
    );
    let output = tollgate()
        .args(["scan", "--format", "json", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["code"].as_str())
        .collect();
    assert!(codes.contains(&"db-stale"), "{json}");
    assert!(codes.contains(&"db-no-coverage"), "{json}");

    let sarif = tollgate()
        .args(["scan", "--format", "sarif", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    let sarif = String::from_utf8(sarif.stdout).unwrap();
    assert!(sarif.contains("\"id\": \"db-stale\""), "{sarif}");
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(project.path())
        .assert()
        .stderr(contains("warning[db-stale]").and(contains("warning[db-no-coverage]")));

    // Fresh data: no db-stale.
    write(
        osv.path(),
        "RUSTSEC-2020-9999.json",
        &record("RUSTSEC-2020-9999", "crates.io", "oldcrate", &now_rfc3339()),
    );
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(osv.path())
        .assert()
        .success();
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(project.path().join("Cargo.lock"))
        .assert()
        .success()
        .stdout(contains("db-stale").not());
}
