//! Issue 13, "results you can trust", for what a scan reads and where it writes: a scan
//! without lockfiles, the nearest policy per lockfile, stdout versus stderr, SARIF paths,
//! colour and table width. Fixtures are written by the tests (no corpus, no network).

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

mod common;
use common::{cargo_lock, fixture_db, tollgate, write};

#[test]
fn a_scan_that_finds_no_lockfile_is_an_error_unless_allowed() {
    let db = fixture_db();
    let empty = tempfile::tempdir().unwrap();
    write(empty.path(), "README.md", "no lockfiles here\n");
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(empty.path())
        .assert()
        .code(2)
        .stderr(contains("no lockfiles found under").and(contains("--allow-empty")));
    tollgate()
        .args(["scan", "--allow-empty", "--db"])
        .arg(db.path())
        .arg(empty.path())
        .assert()
        .success();
}

#[test]
fn each_lockfile_gets_the_nearest_policy_up_to_the_repository_root() {
    let db = fixture_db();
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    write(
        repo.path(),
        "tollgate.toml",
        "[bans]\ndeny = [{ ecosystem = \"crates.io\", name = \"badcrate\", reason = \"root policy\" }]\n",
    );
    cargo_lock(&repo.path().join("sub"), &[("badcrate", "1.0.0")]);
    // `other/` has its own policy, which does not ban it.
    write(repo.path(), "other/tollgate.toml", "[bans]\ndeny = []\n");
    cargo_lock(&repo.path().join("other"), &[("badcrate", "1.0.0")]);

    let scan = |paths: &[&str]| -> serde_json::Value {
        let mut command = tollgate();
        command
            .current_dir(repo.path())
            .args(["scan", "--format", "json", "--db"])
            .arg(db.path());
        command.args(paths);
        serde_json::from_slice(&command.output().unwrap().stdout).unwrap()
    };
    let json = scan(&["sub"]);
    let bans: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "bans")
        .map(|f| f["lockfile"].as_str().unwrap())
        .collect();
    assert_eq!(bans, ["sub/Cargo.lock"], "{json}");
    assert_eq!(json["lockfiles"][0]["policy"], "tollgate.toml");

    // Order of the paths does not change which policy applies where.
    for order in [["sub", "other"], ["other", "sub"]] {
        let json = scan(&order);
        let policies: std::collections::BTreeMap<String, String> = json["lockfiles"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["path"].as_str().unwrap().to_owned(),
                    l["policy"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(policies["sub/Cargo.lock"], "tollgate.toml");
        assert_eq!(policies["other/Cargo.lock"], "other/tollgate.toml");
        let bans = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "bans")
            .count();
        assert_eq!(bans, 1, "{json}");
    }

    // --config overrides discovery for every lockfile.
    let mut command = tollgate();
    command
        .current_dir(repo.path())
        .args(["scan", "--config", "other/tollgate.toml", "--db"])
        .arg(db.path())
        .arg("sub")
        .assert()
        .stderr(contains(
            "policy: other/tollgate.toml applies to sub/Cargo.lock",
        ));
}

/// `record` with a CVSS vector and aliases.
#[test]
fn data_goes_to_stdout_or_output_and_notes_to_stderr() {
    let db = fixture_db();
    let project = tempfile::tempdir().unwrap();
    cargo_lock(project.path(), &[("time", "0.1.45")]);
    let output = tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stdout.contains("RUSTSEC-2020-0071"), "{stdout}");
    assert!(!stdout.contains("note:"), "{stdout}");
    assert!(stderr.contains("note:"), "{stderr}");

    let file = project.path().join("report.json");
    let output = tollgate()
        .args(["scan", "-q", "--format", "json", "--output"])
        .arg(&file)
        .arg("--db")
        .arg(db.path())
        .arg(project.path().join("Cargo.lock"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(
        output.stderr.is_empty(),
        "-q: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(json["findings"][0]["id"], "RUSTSEC-2020-0071");
}

#[test]
fn sarif_uris_are_relative_to_the_repository_root() {
    let db = fixture_db();
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    cargo_lock(&repo.path().join("crates/app"), &[("time", "0.1.45")]);
    let output = tollgate()
        .current_dir(repo.path().join("crates"))
        .args(["scan", "--format", "sarif", "--db"])
        .arg(db.path())
        .arg("app")
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let uri = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"];
    assert_eq!(uri, "crates/app/Cargo.lock");
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let db = fixture_db();
    let project = tempfile::tempdir().unwrap();
    cargo_lock(project.path(), &[("time", "0.1.45")]);
    let run = |flag: Option<&str>, env: &[(&str, &str)]| -> bool {
        let mut command = tollgate();
        command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (key, value) in env {
            command.env(key, value);
        }
        command.arg("scan");
        if let Some(flag) = flag {
            command.args(["--color", flag]);
        }
        let output = command
            .arg("--db")
            .arg(db.path())
            .arg(project.path())
            .output()
            .unwrap();
        output.stdout.contains(&0x1b)
    };
    assert!(!run(None, &[]), "a pipe gets no colour");
    assert!(run(Some("always"), &[]));
    assert!(run(None, &[("CLICOLOR_FORCE", "1")]));
    // CLICOLOR_FORCE is the explicit request and wins over NO_COLOR.
    assert!(run(None, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(!run(Some("never"), &[("CLICOLOR_FORCE", "1")]));
    assert!(!run(None, &[("NO_COLOR", "1")]));
}

/// Issue 13 item 7: the table fits 80 and 100 columns (`COLUMNS`, stdout not a terminal):
/// rows too wide for their fixed columns stack, the summary wraps, ids and versions whole.
#[test]
fn the_table_fits_80_and_100_columns() {
    let db = fixture_db();
    for width in [80, 100] {
        let output = tollgate()
            .env("COLUMNS", width.to_string())
            .args(["scan", "--db"])
            .arg(db.path())
            .arg(common::advisory_fixtures().join("Cargo.lock"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8(output.stdout).unwrap();
        for line in text.lines() {
            assert!(line.chars().count() <= width, "{width}: {line}");
        }
        assert!(text.contains("RUSTSEC-2026-0039"), "{text}");
        assert!(text.contains("chrono_anchor 0.1.0"), "{text}");
        let summary: Vec<&str> = text.split_whitespace().collect();
        assert!(
            summary
                .windows(3)
                .any(|w| w == ["removed", "from", "crates.io"]),
            "{text}"
        );
    }
}
