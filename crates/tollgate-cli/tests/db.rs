//! `tollgate db import|update|status` end to end (no corpus; `update` talks to a server on
//! 127.0.0.1 started by the test).

use std::io::Write as _;

use predicates::str::contains;

mod common;
use common::{advisory_fixtures, fixture_db, tollgate};

#[test]
fn import_reports_counts_and_skipped_records() {
    let db = tempfile::tempdir().unwrap();
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(advisory_fixtures().join("osv"))
        .arg(advisory_fixtures().join("extra"))
        .assert()
        .success()
        .stdout(contains("imported 8 records"))
        .stdout(contains("2 skipped as invalid, 1 withdrawn"))
        .stdout(contains(
            "crates.io: 6 records, 6 packages (MAL 1, RUSTSEC 5)",
        ))
        .stderr(contains(
            "BROKEN-1.json: record BROKEN-1: unparsable range version",
        ));
}

#[test]
fn status_json_reports_sources_and_age() {
    let db = fixture_db();
    let output = tollgate()
        .args(["db", "status", "--format", "json", "--db"])
        .arg(db.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let status: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(status["header"]["records"], 7);
    assert_eq!(
        status["header"]["ecosystems"]["PyPI"]["sources"]["PYSEC"],
        1
    );
    assert_eq!(status["age_days"], 0);
    assert_eq!(status["header"]["newest_modified"], "2026-08-20T00:00:00Z");
}

#[test]
fn status_without_index_exits_two() {
    let db = tempfile::tempdir().unwrap();
    tollgate()
        .args(["db", "status", "--db"])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(contains("no advisory index"));
}

#[test]
fn update_downloads_from_the_given_base_url() {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let record = std::fs::read(advisory_fixtures().join("osv/RUSTSEC-2026-0039.json")).unwrap();
    zip.start_file(
        "RUSTSEC-2026-0039.json",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    zip.write_all(&record).unwrap();
    let zip = zip.finish().unwrap().into_inner();
    let base = format!(
        "{}/",
        common::serve(1, move |_| ("200 OK", "application/zip", zip.clone()))
    );
    let db = tempfile::tempdir().unwrap();
    tollgate()
        .args([
            "db",
            "update",
            "--ecosystem",
            "cargo",
            "--url",
            &base,
            "--db",
        ])
        .arg(db.path())
        .assert()
        .success()
        .stdout(contains("crates.io: downloaded"))
        .stdout(contains("imported 1 records"));
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(advisory_fixtures().join("Cargo.lock"))
        .assert()
        .code(1)
        .stdout(contains("chrono_anchor"));
}
