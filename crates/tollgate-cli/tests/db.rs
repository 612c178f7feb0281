//! `tollgate db import|update|status` end to end (no corpus; `update` talks to a server on
//! 127.0.0.1 started by the test).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

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

/// Serves one body at every path, `count` times, on 127.0.0.1.
fn serve_once(body: Vec<u8>, count: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(&body).unwrap();
        }
    });
    base
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
    let base = serve_once(zip.finish().unwrap().into_inner(), 1);
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
