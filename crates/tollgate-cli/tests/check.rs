//! `tollgate check <ecosystem> <name>[@version]`: exit 0 fine, 1 a finding, 2 an error.
//! No test reaches the network: `--offline` with an empty cache of the test's own, or a
//! registry served on 127.0.0.1 by the test from recorded-style documents.

use assert_cmd::Command;
use predicates::str::contains;

mod common;

/// `check --offline --allow-missing-db ARGS`: the name checks alone, no index, no cache.
fn check(args: &[&str]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    bare_check(dir.path())
        .arg("--allow-missing-db")
        .args(args)
        .assert()
}

/// `tollgate check --offline` in `dir`, with `dir` as cache and home.
fn bare_check(dir: &std::path::Path) -> Command {
    let mut command = common::tollgate();
    command
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir)
        .env("HOME", dir)
        .arg("check")
        .arg("--offline");
    command
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
            .args(["check", "--offline", "--allow-missing-db", "npm", spec])
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
        let output = bare_check(cache.path())
            .args(["--allow-missing-db", "--format", "json", "--db"])
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
    // Without a version (and no registry to say which one an install would get), the
    // name's malicious-package record is still reported.
    let (code, json) = run("chrono_anchor");
    assert_eq!(code, Some(1));
    assert_eq!(json["findings"][0]["code"], "malicious");
    assert!(json["checked_version"].is_null());
    assert!(json["notes"].to_string().contains("no version checked"));
}

/// Fails closed: no advisory index is an error, and so is `--offline` with nothing cached.
#[test]
fn missing_index_or_metadata_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    bare_check(dir.path())
        .args(["npm", "lodash@4.17.21"])
        .assert()
        .code(2)
        .stderr(contains("no advisory index"))
        .stderr(contains("--allow-missing-db"));
    let db = common::fixture_db();
    bare_check(dir.path())
        .arg("--db")
        .arg(db.path())
        .args(["npm", "lodash@4.17.21"])
        .assert()
        .code(2)
        .stderr(contains("no registry metadata for lodash"));
    bare_check(dir.path())
        .arg("--db")
        .arg(db.path())
        .args(["npm", "lodash"])
        .assert()
        .code(2)
        .stderr(contains("cannot tell which version of lodash"));
}

#[test]
fn empty_or_invalid_name_is_an_error() {
    for (ecosystem, name) in [
        ("npm", ""),
        ("npm", "  "),
        ("pypi", "foo bar"),
        ("cargo", "1abc"),
    ] {
        check(&[ecosystem, name])
            .code(2)
            .stderr(contains("not a valid"));
    }
}

/// An npm packument in the registry's shape: 1.0.0 a year old, 1.1.0 two days old, a
/// newer pre-release.
fn packument(name: &str) -> String {
    let now = jiff::Timestamp::now();
    let ago = |days: i64| {
        now.checked_sub(jiff::SignedDuration::from_hours(days * 24))
            .unwrap()
            .to_string()
    };
    serde_json::json!({
        "name": name,
        "dist-tags": {"latest": "1.1.0", "next": "2.0.0-beta.1"},
        "versions": {
            "1.0.0": {"name": name, "version": "1.0.0", "license": "MIT"},
            "1.1.0": {"name": name, "version": "1.1.0", "license": "MIT"},
            "2.0.0-beta.1": {"name": name, "version": "2.0.0-beta.1", "license": "MIT"},
        },
        "time": {"1.0.0": ago(365), "1.1.0": ago(2), "2.0.0-beta.1": ago(1)},
    })
    .to_string()
}

/// Without a version, the version an install would get now is checked: the newest stable
/// release, or with a cooldown in the policy, the newest one old enough. A malicious-package
/// record for another version of the name is reported either way.
#[test]
fn without_a_version_the_installable_version_is_checked() {
    let name = "gatecheck-fixture";
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("MAL-2026-0001.json");
    std::fs::write(
        &record,
        serde_json::json!({
            "id": "MAL-2026-0001",
            "modified": "2026-01-01T00:00:00Z",
            "summary": format!("Malicious code in {name} (npm)"),
            "affected": [{"package": {"ecosystem": "npm", "name": name}, "versions": ["0.9.0"]}],
        })
        .to_string(),
    )
    .unwrap();
    let db = dir.path().join("db");
    common::tollgate()
        .args(["db", "import", "--db"])
        .arg(&db)
        .arg(&record)
        .assert()
        .success();
    let run = |policy: &str| {
        let work = tempfile::tempdir().unwrap();
        std::fs::write(work.path().join("tollgate.toml"), policy).unwrap();
        let output = common::tollgate()
            .current_dir(work.path())
            .env("XDG_CACHE_HOME", work.path())
            .env("HOME", work.path())
            .env(
                "NPM_CONFIG_REGISTRY",
                format!(
                    "{}/",
                    common::serve(20, move |_| (
                        "200 OK",
                        "application/json",
                        packument(name).into_bytes()
                    ))
                ),
            )
            .args(["check", "--format", "json", "--db"])
            .arg(&db)
            .args(["npm", name])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&output.stderr)));
        (output.status.code(), json)
    };
    let (code, json) = run("");
    assert_eq!(json["checked_version"], "1.1.0", "{json}");
    assert_eq!(json["exists"], true);
    assert_eq!(code, Some(1));
    let malicious: Vec<_> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "malicious")
        .collect();
    assert_eq!(malicious.len(), 1, "{json}");
    assert_eq!(malicious[0]["id"], "MAL-2026-0001");
    let (_, json) = run("[cooldown]\nminimum-release-age = 7\n");
    assert_eq!(json["checked_version"], "1.0.0", "{json}");
    assert!(json["notes"].to_string().contains("cooldown"));
}
