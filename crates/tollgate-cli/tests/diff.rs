//! `tollgate diff` end to end: a temporary git repository with two commits of an npm, a
//! pnpm, a uv and a Cargo lockfile, and a small OSV database written by the test (a MAL
//! record for one new version, advisories that an upgrade fixes and a downgrade brings
//! back; `common::diff_repo`). No network. The policy tests are in `diff_policy.rs`.

use serde_json::{Value, json};

mod common;
use common::diff_repo::*;
use common::{git, tollgate};

#[test]
fn two_revisions_show_each_change_and_what_it_brings() {
    let repo = repository();
    let db = database();
    let json = diff_json(repo.path(), db.path(), &["HEAD~1", "HEAD"], 1);
    assert!(
        json["base"].as_str().unwrap().starts_with("HEAD~1 ("),
        "{json:#}"
    );
    assert_eq!(json["errors"], json!([]));
    let paths: Vec<&str> = json["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "Cargo.lock",
            "package-lock.json",
            "py/uv.lock",
            "web/pnpm-lock.yaml"
        ]
    );

    // An upgrade that gains a malicious-package record.
    let evil = change(&json, "package-lock.json", "evil-helper");
    assert_eq!(evil["kind"], "upgraded");
    assert_eq!(
        (evil["old_version"].as_str(), evil["new_version"].as_str()),
        (Some("1.0.0"), Some("1.0.1"))
    );
    assert_eq!(
        codes(&evil["new_findings"]),
        [("malicious".into(), "MAL-2099-0001".into())]
    );
    // An upgrade that fixes an advisory.
    let lodash = change(&json, "package-lock.json", "lodash");
    assert_eq!(lodash["kind"], "upgraded");
    assert_eq!(lodash["new_findings"], json!([]));
    assert_eq!(
        codes(&lodash["resolved_findings"]),
        [("vulnerability".into(), "GHSA-test-lodash".into())]
    );
    // A downgrade that brings one back.
    let requests = change(&json, "py/uv.lock", "requests");
    assert_eq!(requests["kind"], "downgraded");
    assert_eq!(
        codes(&requests["new_findings"]),
        [("vulnerability".into(), "PYSEC-2099-1".into())]
    );
    // A source switched to git.
    let arrayref = change(&json, "Cargo.lock", "arrayref");
    assert_eq!(arrayref["kind"], "source-changed");
    assert_eq!(arrayref["source_changed"], true);
    assert_eq!(arrayref["old_source"]["kind"], "registry");
    assert_eq!(arrayref["new_source"]["kind"], "git");
    assert_eq!(
        codes(&arrayref["new_findings"]),
        [("source-changed".into(), String::new())]
    );
    // An added package.
    let odd = change(&json, "web/pnpm-lock.yaml", "is-odd");
    assert_eq!(odd["kind"], "added");
    assert_eq!(odd["old_version"], Value::Null);

    let summary = &json["summary"];
    assert_eq!(summary["lockfiles"], 4);
    assert_eq!(summary["added"], 1);
    assert_eq!(summary["upgraded"], 2);
    assert_eq!(summary["downgraded"], 1);
    assert_eq!(summary["source_changed"], 1);
    assert_eq!(summary["resolved_findings"], 1);
    // Unchanged packages are nowhere: idna, serde, is-number.
    let text = json.to_string();
    for name in ["\"idna\"", "\"serde\"", "\"is-number\""] {
        assert!(!text.contains(name), "{name} did not change");
    }
}

#[test]
fn fail_on_counts_new_findings_only() {
    let repo = repository();
    let db = database();
    // The MAL record is critical: new, so it fails at any threshold.
    diff_json(
        repo.path(),
        db.path(),
        &["HEAD~1", "HEAD", "--fail-on", "critical"],
        1,
    );
    // The other way round the MAL record goes away and lodash's advisory comes back
    // (high, unscored): nothing critical is new.
    let json = diff_json(
        repo.path(),
        db.path(),
        &["HEAD", "HEAD~1", "--fail-on", "critical"],
        0,
    );
    let evil = change(&json, "package-lock.json", "evil-helper");
    assert_eq!(evil["kind"], "downgraded");
    assert_eq!(
        codes(&evil["resolved_findings"]),
        [("malicious".into(), "MAL-2099-0001".into())]
    );
    // A comparison with itself changes nothing.
    let same = diff_json(repo.path(), db.path(), &["HEAD", "HEAD"], 0);
    assert_eq!(same["lockfiles"], json!([]));
}

#[test]
fn defaults_are_the_merge_base_and_the_working_tree() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        dir.join("Cargo.lock"),
        cargo_lock(&[("arrayref", "0.3.7", GIT), ("serde", "1.0.201", CRATES)]),
    )
    .unwrap();
    // Base: the merge base with main (main's HEAD); head: the uncommitted working tree.
    let json = diff_json(dir, db.path(), &["--fail-on", "critical"], 0);
    assert_eq!(json["head"], "working tree");
    let paths: Vec<&str> = json["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["Cargo.lock"]);
    let serde = change(&json, "Cargo.lock", "serde");
    assert_eq!(serde["kind"], "upgraded");
}

#[test]
fn two_lockfile_paths_compare_without_git() {
    let dir = tempfile::tempdir().unwrap();
    let db = database();
    std::fs::create_dir_all(dir.path().join("old")).unwrap();
    std::fs::write(
        dir.path().join("old/package-lock.json"),
        npm_lock(&[("lodash", "4.17.20")]),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("package-lock.json"),
        npm_lock(&[("lodash", "4.17.21"), ("evil-helper", "1.0.1")]),
    )
    .unwrap();
    let json = diff_json(
        dir.path(),
        db.path(),
        &["old/package-lock.json", "package-lock.json"],
        1,
    );
    assert_eq!(
        change(&json, "package-lock.json", "evil-helper")["kind"],
        "added"
    );
    assert_eq!(
        change(&json, "package-lock.json", "lodash")["kind"],
        "upgraded"
    );
}

#[test]
fn errors_exit_2() {
    let repo = repository();
    let db = database();
    // A revision that would read as an option (after `--`) never reaches git as one.
    tollgate()
        .current_dir(repo.path())
        .args(["diff", "--db"])
        .arg(db.path())
        .args(["--", "--output=x", "HEAD"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("would read as an option"));
    // No advisory index: exit 2 unless allowed, and then a note says so.
    let empty = tempfile::tempdir().unwrap();
    tollgate()
        .current_dir(repo.path())
        .args(["diff", "HEAD~1", "HEAD", "--db"])
        .arg(empty.path().join("none"))
        .assert()
        .code(2);
    let json = diff_json(
        repo.path(),
        &empty.path().join("none"),
        &["HEAD~1", "HEAD", "--allow-missing-db", "--fail-on", "high"],
        0,
    );
    assert!(
        json["notes"].to_string().contains("advisories not checked"),
        "{json:#}"
    );
    // A lockfile that does not parse at one side.
    std::fs::write(repo.path().join("Cargo.lock"), "[[package]\nbroken").unwrap();
    let json = diff_json(repo.path(), db.path(), &["HEAD"], 2);
    assert_eq!(json["errors"][0]["path"], "Cargo.lock");
}

#[test]
fn markdown_for_a_pull_request_comment() {
    let repo = repository();
    let db = database();
    let output = tollgate()
        .current_dir(repo.path())
        .args(["diff", "HEAD~1", "HEAD", "--format", "markdown", "--db"])
        .arg(db.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    assert!(text.starts_with("## tollgate diff\n"), "{text}");
    assert!(text.contains("| `package-lock.json` | upgraded | `evil-helper` | 1.0.0 → 1.0.1 | 1 (worst: critical) | 0 |"), "{text}");
    assert!(
        text.contains("<details><summary><code>evil-helper</code>"),
        "{text}"
    );
    let sarif = tollgate()
        .current_dir(repo.path())
        .args(["diff", "HEAD~1", "HEAD", "--format", "sarif", "--db"])
        .arg(db.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let sarif: Value = serde_json::from_slice(&sarif).unwrap();
    let rules: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"MAL-2099-0001"), "{rules:?}");
    assert!(
        !rules.contains(&"GHSA-test-lodash"),
        "resolved findings are not alerts: {rules:?}"
    );
}

#[test]
fn ignore_hides_an_advisory_as_scan_does() {
    let repo = repository();
    let db = database();
    // HEAD -> HEAD~1 brings lodash's advisory back (high): the only new finding at
    // `--fail-on high` once the MAL record goes away.
    let json = diff_json(
        repo.path(),
        db.path(),
        &["HEAD", "HEAD~1", "--fail-on", "high"],
        1,
    );
    let lodash = change(&json, "package-lock.json", "lodash");
    assert_eq!(
        codes(&lodash["new_findings"]),
        [("vulnerability".into(), "GHSA-test-lodash".into())]
    );
    let json = diff_json(
        repo.path(),
        db.path(),
        &[
            "HEAD",
            "HEAD~1",
            "--fail-on",
            "high",
            "--ignore",
            "GHSA-test-lodash",
            "--ignore",
            "GHSA-nowhere",
        ],
        0,
    );
    let lodash = change(&json, "package-lock.json", "lodash");
    assert_eq!(lodash["new_findings"], json!([]), "{json:#}");
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("GHSA-test-lodash is ignored by --ignore")),
        "{notes:?}"
    );
    // A diff checks the changed packages only: an id that hid nothing among them may
    // hide something elsewhere, so it is listed, never called a typo.
    assert!(
        notes.iter().all(|n| !n.contains("matched no finding")),
        "{notes:?}"
    );
}

#[test]
fn coverage_warnings_as_scan_gives_them() {
    let repo = repository();
    let db = database();
    let warnings = |json: &Value| -> Vec<(String, String)> {
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|w| {
                let code = w["code"].as_str()?;
                Some((code.to_owned(), w["path"].as_str().unwrap_or("").to_owned()))
            })
            .collect()
    };
    // The test's records are from 2026-11-01 and it has none for crates.io (Cargo.lock).
    let json = diff_json(
        repo.path(),
        db.path(),
        &["HEAD~1", "HEAD", "--max-db-age", "1"],
        1,
    );
    let found = warnings(&json);
    let codes: Vec<&str> = found.iter().map(|(code, _)| code.as_str()).collect();
    assert!(codes.contains(&"db-stale"), "{found:?}");
    assert!(codes.contains(&"db-no-coverage"), "{found:?}");
    // The same index and lockfiles under `scan` give the same warnings.
    let scan = tollgate()
        .current_dir(repo.path())
        .args(["scan", "--format", "json", "--max-db-age", "1", "--db"])
        .arg(db.path())
        .arg(".")
        .output()
        .unwrap();
    let scan: Value = serde_json::from_slice(&scan.stdout).unwrap();
    let mut scanned = warnings(&scan);
    let mut diffed = found.clone();
    scanned.sort();
    diffed.sort();
    assert_eq!(diffed, scanned);
    // A generous limit: no db-stale.
    let json = diff_json(
        repo.path(),
        db.path(),
        &["HEAD~1", "HEAD", "--max-db-age", "100000"],
        1,
    );
    assert!(
        warnings(&json).iter().all(|(code, _)| code != "db-stale"),
        "{json:#}"
    );
}
