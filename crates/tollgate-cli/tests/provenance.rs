//! Provenance end to end, against a loopback npm registry serving the hand-made packument
//! of `crates/tollgate-registry/tests/fixtures/provenance` (1.0.0 and 1.1.0 with provenance,
//! 1.2.0 without): `check` shows it, `scan --registry-metadata` reports the downgrade, and
//! `diff --registry-metadata` records the change and reports the downgrade as new.

mod common;

use std::path::Path;

const NAME: &str = "provfixture";

fn packument() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tollgate-registry/tests/fixtures/provenance/npm-packument.json"),
    )
    .unwrap()
}

/// A project directory with `policy` as its tollgate.toml and a package-lock.json locking
/// `provfixture@version` from the registry.
fn project(policy: &str, version: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write(dir.path(), "tollgate.toml", policy);
    let lock = serde_json::json!({
        "name": "app",
        "version": "1.0.0",
        "lockfileVersion": 3,
        "requires": true,
        "packages": {
            "": {"name": "app", "version": "1.0.0", "dependencies": {NAME: "^1.0.0"}},
            format!("node_modules/{NAME}"): {
                "version": version,
                "resolved": format!("https://registry.npmjs.org/{NAME}/-/{NAME}-{version}.tgz"),
            },
        },
    });
    common::write(dir.path(), "package-lock.json", &lock.to_string());
    dir
}

/// Runs tollgate in `dir` against a fresh loopback registry; (exit code, stdout as JSON).
fn run(dir: &Path, args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let registry = common::serve(20, |_| ("200 OK", "application/json", packument()));
    let output = common::tollgate()
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("HOME", dir)
        .env("NPM_CONFIG_REGISTRY", format!("{registry}/"))
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|_| {
        panic!(
            "stdout {} stderr {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code(), json)
}

fn with_code<'j>(json: &'j serde_json::Value, code: &str) -> Vec<&'j serde_json::Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

#[test]
fn check_shows_provenance_and_reports_the_downgrade() {
    let dir = project("[provenance]\nno-downgrade = true\n", "1.2.0");
    let args = ["check", "--format", "json", "--allow-missing-db", "npm"];
    let (code, json) = run(
        dir.path(),
        &[&args[..], &[&format!("{NAME}@1.2.0")]].concat(),
    );
    assert_eq!(json["provenance"]["status"], "absent", "{json}");
    let downgrade = with_code(&json, "provenance-downgrade");
    assert_eq!(downgrade.len(), 1, "{json}");
    assert_eq!(downgrade[0]["severity"], "high");
    assert!(
        downgrade[0]["summary"]
            .as_str()
            .unwrap()
            .contains("earlier version 1.1.0"),
        "{json}"
    );
    assert_eq!(code, Some(1));

    let (code, json) = run(
        dir.path(),
        &[&args[..], &[&format!("{NAME}@1.0.0")]].concat(),
    );
    assert_eq!(
        json["provenance"],
        serde_json::json!({"status": "present", "attestations": ["npm-provenance", "npm-trusted-publisher"]}),
        "{json}"
    );
    assert!(
        with_code(&json, "provenance-downgrade").is_empty(),
        "{json}"
    );
    assert_eq!(code, Some(0), "{json}");
}

#[test]
fn scan_with_registry_metadata_reports_the_downgrade_and_the_missing() {
    let policy = "[provenance]\nno-downgrade = true\nrequire = [{ ecosystem = \"npm\", name = \"provfixture\" }]\n";
    let dir = project(policy, "1.2.0");
    let scan = [
        "scan",
        "--format",
        "json",
        "--allow-missing-db",
        "--registry-metadata",
        "package-lock.json",
    ];
    let (code, json) = run(dir.path(), &scan);
    assert_eq!(with_code(&json, "provenance-downgrade").len(), 1, "{json}");
    assert_eq!(with_code(&json, "provenance-missing").len(), 1, "{json}");
    assert_eq!(code, Some(1));

    // A version with provenance passes both.
    let dir = project(policy, "1.1.0");
    let (_, json) = run(dir.path(), &scan);
    assert!(
        with_code(&json, "provenance-downgrade").is_empty(),
        "{json}"
    );
    assert!(with_code(&json, "provenance-missing").is_empty(), "{json}");

    // Without --registry-metadata the requirement fails closed, saying why.
    let offline = [
        "scan",
        "--format",
        "json",
        "--allow-missing-db",
        "package-lock.json",
    ];
    let (code, json) = run(dir.path(), &offline);
    let missing = with_code(&json, "provenance-missing");
    assert_eq!(missing.len(), 1, "{json}");
    assert!(
        missing[0]["summary"]
            .as_str()
            .unwrap()
            .contains("not consulted"),
        "{json}"
    );
    assert_eq!(code, Some(1));
}

#[test]
fn diff_with_registry_metadata_shows_the_change_and_the_new_downgrade() {
    let dir = project("[provenance]\nno-downgrade = true\n", "1.1.0");
    common::git(dir.path(), &["init", "-q", "-b", "main"]);
    common::git(dir.path(), &["add", "tollgate.toml", "package-lock.json"]);
    common::git(dir.path(), &["commit", "-q", "-m", "base"]);
    let head = project("", "1.2.0");
    std::fs::copy(
        head.path().join("package-lock.json"),
        dir.path().join("package-lock.json"),
    )
    .unwrap();
    common::git(dir.path(), &["commit", "-q", "-am", "upgrade"]);
    let (code, json) = run(
        dir.path(),
        &[
            "diff",
            "HEAD~1",
            "HEAD",
            "--format",
            "json",
            "--allow-missing-db",
            "--registry-metadata",
        ],
    );
    let change = &json["lockfiles"][0]["changes"][0];
    assert_eq!(change["name"], NAME, "{json}");
    assert_eq!(change["provenance"]["old"]["status"], "present", "{json}");
    assert_eq!(change["provenance"]["new"]["status"], "absent", "{json}");
    let new: Vec<&str> = change["new_findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(new.contains(&"provenance-downgrade"), "{json}");
    assert_eq!(code, Some(1));
}
