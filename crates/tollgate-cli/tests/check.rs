//! `tollgate check <ecosystem> <name>[@version]`: exit 0 fine, 1 a finding, 2 an error.

use assert_cmd::Command;
use predicates::str::contains;

mod common;

fn check(args: &[&str]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("tollgate")
        .unwrap()
        .current_dir(dir.path())
        // No network in tests: cache only, and an empty cache of the test's own.
        .env("XDG_CACHE_HOME", dir.path())
        .arg("check")
        .arg("--offline")
        .args(args)
        .assert()
}

#[test]
fn typosquat_is_a_finding_with_json_for_agents() {
    let output = check(&["cargo", "proc-macro1@1.0.0", "--format", "json"])
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(json["ecosystem"], "crates.io");
    assert_eq!(json["name"], "proc-macro1");
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["typosquat_of"]["target"], "proc-macro2");
    assert_eq!(json["findings"][0]["code"], "names-typosquat");
    assert!(
        json["exists"].is_null(),
        "unknown without registry metadata"
    );
}

#[test]
fn popular_package_is_fine() {
    check(&["npm", "lodash@4.17.21"])
        .code(0)
        .stdout(contains("result: no findings"));
    check(&["pypi", "requests"]).code(0);
    check(&["npm", "@babel/core"]).code(0);
}

#[test]
fn separator_trick_in_text_output() {
    check(&["PyPI", "python_dateutils"])
        .code(1)
        .stdout(contains("python-dateutil"));
}

#[test]
fn unknown_ecosystem_is_an_error() {
    check(&["maven", "junit"])
        .code(2)
        .stderr(contains("unknown ecosystem"));
}

#[test]
fn banned_package_from_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tollgate.toml"),
        "[bans]\ndeny = [{ ecosystem = \"npm\", name = \"event-stream\", version = \">=3.3.6 <4\", reason = \"compromised\" }]\n",
    )
    .unwrap();
    let run = |spec: &str| {
        Command::cargo_bin("tollgate")
            .unwrap()
            .current_dir(dir.path())
            .env("XDG_CACHE_HOME", dir.path())
            .args(["check", "--offline", "npm", spec])
            .assert()
    };
    run("event-stream@3.3.6")
        .code(1)
        .stdout(contains("compromised"));
    run("event-stream@4.0.1").code(0);
}

/// `check` matches the version against the local advisory index, like `scan` (offline: the
/// registry is not asked, so existence and install-time code stay unknown and say so).
#[test]
fn advisories_for_the_version_asked_about() {
    let db = common::fixture_db();
    let run = |spec: &str| {
        let cache = tempfile::tempdir().unwrap();
        let output = Command::cargo_bin("tollgate")
            .unwrap()
            .current_dir(cache.path())
            .env("XDG_CACHE_HOME", cache.path())
            .env_remove("TOLLGATE_DB")
            .args(["check", "--offline", "--format", "json", "--db"])
            .arg(db.path())
            .args(["cargo", spec])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), json)
    };
    let (code, json) = run("chrono_anchor@0.1.0");
    assert_eq!(code, Some(1));
    assert_eq!(json["findings"][0]["code"], "malicious");
    assert!(json["install_time_code"].is_null());
    assert!(
        json["notes"]
            .to_string()
            .contains("install-time code unknown")
    );
    let (_, json) = run("chrono_anchor");
    assert!(
        json["notes"]
            .to_string()
            .contains("advisories not checked: give a version")
    );
}
