//! `tollgate diff` end to end: a temporary git repository with two commits of an npm, a
//! pnpm, a uv and a Cargo lockfile, and a small OSV database written by the test (a MAL
//! record for one new version, advisories that an upgrade fixes and a downgrade brings
//! back). No network.

use std::path::Path;

use serde_json::{Value, json};

mod common;
use common::{git, tollgate};

fn npm_lock(packages: &[(&str, &str)]) -> String {
    let mut entries = vec![r#""": { "name": "app", "version": "1.0.0" }"#.to_owned()];
    for (name, version) in packages {
        entries.push(format!(
            r#""node_modules/{name}": {{ "version": "{version}", "resolved": "https://registry.npmjs.org/{name}/-/{name}-{version}.tgz" }}"#
        ));
    }
    format!(
        "{{ \"name\": \"app\", \"version\": \"1.0.0\", \"lockfileVersion\": 3, \"packages\": {{ {} }} }}\n",
        entries.join(",\n")
    )
}

fn pnpm_lock(packages: &[(&str, &str)]) -> String {
    let mut text =
        String::from("lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "      {name}:\n        specifier: {version}\n        version: {version}\n"
        ));
    }
    text.push_str("\npackages:\n\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "  {name}@{version}:\n    resolution: {{integrity: sha512-AAAA}}\n\n"
        ));
    }
    text.push_str("snapshots:\n\n");
    for (name, version) in packages {
        text.push_str(&format!("  {name}@{version}: {{}}\n\n"));
    }
    text
}

fn uv_lock(packages: &[(&str, &str)]) -> String {
    let mut text = String::from("version = 1\nrevision = 2\nrequires-python = \">=3.11\"\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n"
        ));
    }
    text
}

fn cargo_lock(packages: &[(&str, &str, &str)]) -> String {
    let mut text = String::from("version = 4\n");
    for (name, version, source) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"{source}\"\n"
        ));
    }
    text
}

const CRATES: &str = "registry+https://github.com/rust-lang/crates.io-index";
const GIT: &str =
    "git+https://github.com/someone/arrayref?rev=abc#0123456789abcdef0123456789abcdef01234567";

fn osv(id: &str, ecosystem: &str, name: &str, affected: Value) -> Value {
    let mut record = json!({
        "schema_version": "1.6.0",
        "id": id,
        "modified": "2026-11-01T00:00:00Z",
        "published": "2026-11-01T00:00:00Z",
        "summary": format!("{id} in {name}"),
        "affected": [{ "package": { "ecosystem": ecosystem, "name": name } }],
    });
    let entry = &mut record["affected"][0];
    for (key, value) in affected.as_object().unwrap() {
        entry[key] = value.clone();
    }
    record
}

/// A database of the test's own records.
fn database() -> tempfile::TempDir {
    let records = tempfile::tempdir().unwrap();
    let write = |record: Value| {
        let path = records
            .path()
            .join(format!("{}.json", record["id"].as_str().unwrap()));
        std::fs::write(path, record.to_string()).unwrap();
    };
    // The new version of evil-helper is the compromised one.
    write(osv(
        "MAL-2099-0001",
        "npm",
        "evil-helper",
        json!({ "versions": ["1.0.1"] }),
    ));
    // lodash before 4.17.21 is vulnerable: the upgrade fixes it.
    write(osv(
        "GHSA-test-lodash",
        "npm",
        "lodash",
        json!({ "ranges": [{ "type": "SEMVER", "events": [{ "introduced": "0" }, { "fixed": "4.17.21" }] }] }),
    ));
    // requests before 2.31.0 is vulnerable: the downgrade brings it back.
    write(osv(
        "PYSEC-2099-1",
        "PyPI",
        "requests",
        json!({ "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "2.31.0" }] }] }),
    ));
    let db = tempfile::tempdir().unwrap();
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(records.path())
        .assert()
        .success();
    db
}

/// A repository on `main` with two commits of four lockfiles.
fn repository() -> tempfile::TempDir {
    repository_with(&[])
}

/// [`repository`], with `base_files` (path, text) in its first commit too.
fn repository_with(base_files: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = tempfile::tempdir().unwrap();
    let dir = repo.path();
    git(dir, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(dir.join("web")).unwrap();
    std::fs::create_dir_all(dir.join("py")).unwrap();
    let write = |path: &str, text: String| std::fs::write(dir.join(path), text).unwrap();
    for (path, text) in base_files {
        write(path, (*text).to_owned());
    }
    write(
        "package-lock.json",
        npm_lock(&[("evil-helper", "1.0.0"), ("lodash", "4.17.20")]),
    );
    write("web/pnpm-lock.yaml", pnpm_lock(&[("is-number", "7.0.0")]));
    write(
        "py/uv.lock",
        uv_lock(&[("requests", "2.31.0"), ("idna", "3.7")]),
    );
    write(
        "Cargo.lock",
        cargo_lock(&[("arrayref", "0.3.7", CRATES), ("serde", "1.0.200", CRATES)]),
    );
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    write(
        "package-lock.json",
        npm_lock(&[("evil-helper", "1.0.1"), ("lodash", "4.17.21")]),
    );
    write(
        "web/pnpm-lock.yaml",
        pnpm_lock(&[("is-number", "7.0.0"), ("is-odd", "3.0.1")]),
    );
    write(
        "py/uv.lock",
        uv_lock(&[("requests", "2.30.0"), ("idna", "3.7")]),
    );
    write(
        "Cargo.lock",
        cargo_lock(&[("arrayref", "0.3.7", GIT), ("serde", "1.0.200", CRATES)]),
    );
    git(dir, &["commit", "-q", "-am", "head"]);
    repo
}

fn diff_json(repo: &Path, db: &Path, args: &[&str], code: i32) -> Value {
    let output = tollgate()
        .current_dir(repo)
        .args(["diff", "--format", "json", "--db"])
        .arg(db)
        .args(args)
        .assert()
        .code(code)
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&output).unwrap()
}

fn change<'v>(json: &'v Value, path: &str, name: &str) -> &'v Value {
    let lockfile = json["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["path"] == path)
        .unwrap_or_else(|| panic!("no lockfile {path} in {json:#}"));
    lockfile["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no change of {name} in {lockfile:#}"))
}

fn codes(findings: &Value) -> Vec<(String, String)> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["id"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

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

/// The lockfiles of one `diff` report with the policy each ran under.
fn policies(json: &Value) -> Vec<(String, String)> {
    json["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let policy = l["policy"].as_str().unwrap_or("(none)");
            (l["path"].as_str().unwrap().to_owned(), policy.to_owned())
        })
        .collect()
}

#[test]
fn each_lockfile_is_checked_under_its_nearest_policy() {
    // The base's policies: the root one bans the new lodash and is-odd; web/ has its
    // own, which bans nothing, so web/pnpm-lock.yaml's new is-odd is not banned.
    let root_policy = "[bans]\ndeny = [\n  { ecosystem = \"npm\", name = \"is-odd\" },\n  { ecosystem = \"npm\", name = \"lodash\", version = \">=4.17.21\" },\n]\n";
    let repo = repository_with(&[
        ("tollgate.toml", root_policy),
        ("web/tollgate.toml", "[bans]\ndeny = []\n"),
    ]);
    let db = database();
    let dir = repo.path();
    let bans = |json: &Value, path: &str, name: &str| {
        codes(&change(json, path, name)["new_findings"])
            .into_iter()
            .filter(|(code, _)| code == "bans")
            .count()
    };

    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 1);
    assert_eq!(
        policies(&json),
        [
            ("Cargo.lock".into(), "tollgate.toml".into()),
            ("package-lock.json".into(), "tollgate.toml".into()),
            ("py/uv.lock".into(), "tollgate.toml".into()),
            ("web/pnpm-lock.yaml".into(), "web/tollgate.toml".into()),
        ]
    );
    assert_eq!(bans(&json, "package-lock.json", "lodash"), 1, "{json:#}");
    assert_eq!(bans(&json, "web/pnpm-lock.yaml", "is-odd"), 0, "{json:#}");
    // The table names each lockfile's policy too.
    let table = tollgate()
        .current_dir(dir)
        .args(["diff", "HEAD~1", "HEAD", "--db"])
        .arg(db.path())
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains("web/pnpm-lock.yaml (npm, modified, policy web/tollgate.toml at HEAD~1 ("),
        "{table}"
    );

    // --config: one policy for every lockfile.
    let json = diff_json(
        dir,
        db.path(),
        &["HEAD~1", "HEAD", "--config", "tollgate.toml"],
        1,
    );
    assert!(
        policies(&json)
            .iter()
            .all(|(_, policy)| policy == "tollgate.toml"),
        "{json:#}"
    );
    assert_eq!(bans(&json, "web/pnpm-lock.yaml", "is-odd"), 1, "{json:#}");
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

#[test]
fn a_policy_changed_between_the_revisions_is_a_warning() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    let policy_changes = |json: &Value| -> Vec<String> {
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["code"] == "policy-changed")
            .map(|w| w["path"].as_str().unwrap().to_owned())
            .collect()
    };
    // No policy in either revision: nothing to say.
    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 1);
    assert!(policy_changes(&json).is_empty(), "{json:#}");
    // A pull request that loosens the policy it is reviewed under says so.
    std::fs::write(
        dir.join("web/tollgate.toml"),
        "[bans]\ndeny = [{ ecosystem = \"npm\", name = \"is-odd\" }]\n",
    )
    .unwrap();
    git(dir, &["add", "web/tollgate.toml"]);
    git(dir, &["commit", "-q", "-m", "policy"]);
    std::fs::write(dir.join("web/tollgate.toml"), "[bans]\ndeny = []\n").unwrap();
    git(dir, &["commit", "-q", "-am", "loosen the policy"]);
    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 0);
    assert_eq!(policy_changes(&json), ["web/tollgate.toml"], "{json:#}");
    // Against the working tree: an untracked new policy counts too.
    std::fs::write(dir.join("tollgate.toml"), "[bans]\ndeny = []\n").unwrap();
    let json = diff_json(dir, db.path(), &["HEAD"], 0);
    assert_eq!(policy_changes(&json), ["tollgate.toml"], "{json:#}");
}

#[test]
fn the_base_revision_s_policy_applies_unless_policy_from_head() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    // A base with the fixed requests, then a head that downgrades it (PYSEC-2099-1 is
    // back) and adds an ignore for that advisory to its own new policy.
    std::fs::write(
        dir.join("py/uv.lock"),
        uv_lock(&[("requests", "2.31.0"), ("idna", "3.7")]),
    )
    .unwrap();
    git(dir, &["commit", "-q", "-am", "fix requests"]);
    std::fs::write(
        dir.join("py/uv.lock"),
        uv_lock(&[("requests", "2.30.0"), ("idna", "3.7")]),
    )
    .unwrap();
    std::fs::write(
        dir.join("py/tollgate.toml"),
        "[advisories]\nignore = [{ id = \"PYSEC-2099-1\", reason = \"trust me\" }]\n",
    )
    .unwrap();
    git(dir, &["add", "py/tollgate.toml"]);
    git(dir, &["commit", "-q", "-am", "downgrade and ignore"]);
    let pysec = |json: &Value| codes(&change(json, "py/uv.lock", "requests")["new_findings"]);
    let vulnerable = [("vulnerability".to_owned(), "PYSEC-2099-1".to_owned())];

    // The default: the base's policy (none: the defaults), so the ignore does not count.
    let json = diff_json(dir, db.path(), &["HEAD~1", "HEAD"], 1);
    assert_eq!(pysec(&json), vulnerable, "{json:#}");
    let lockfile = &json["lockfiles"][0];
    assert_eq!(lockfile["policy"], "<default>");
    assert!(
        lockfile["policy_revision"]
            .as_str()
            .unwrap()
            .starts_with("HEAD~1 ("),
        "{json:#}"
    );
    let warning = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "policy-changed")
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(warning["path"], "py/tollgate.toml");
    assert!(
        warning["message"]
            .as_str()
            .unwrap()
            .contains("applies the base's policy files (HEAD~1 ("),
        "{warning:#}"
    );
    // The same for the working tree as head (the policy file is on disk there).
    diff_json(dir, db.path(), &["HEAD~1"], 1);

    // --policy-from head: the head's new file applies, and hides the advisory.
    for args in [
        &["HEAD~1", "HEAD", "--policy-from", "head"][..],
        &["HEAD~1", "--policy-from", "head"],
    ] {
        let json = diff_json(dir, db.path(), args, 0);
        assert_eq!(pysec(&json), [], "{args:?}: {json:#}");
        assert_eq!(json["lockfiles"][0]["policy"], "py/tollgate.toml");
    }

    // A base policy that does not parse is an error naming the revision and the path,
    // never the defaults.
    std::fs::write(dir.join("py/tollgate.toml"), "[advisories\n").unwrap();
    git(dir, &["commit", "-q", "-am", "broken policy"]);
    std::fs::write(
        dir.join("py/uv.lock"),
        uv_lock(&[("requests", "2.31.0"), ("idna", "3.7")]),
    )
    .unwrap();
    git(dir, &["commit", "-q", "-am", "head"]);
    tollgate()
        .current_dir(dir)
        .args(["diff", "HEAD~1", "HEAD", "--db"])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("py/tollgate.toml at HEAD~1 ("));
    // --policy-from with two lockfile paths has nothing to choose from.
    tollgate()
        .current_dir(dir)
        .args([
            "diff",
            "py/uv.lock",
            "py/uv.lock",
            "--policy-from",
            "base",
            "--db",
        ])
        .arg(db.path())
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--policy-from"));
}

#[test]
fn fail_on_takes_verdict_names() {
    let repo = repository();
    let db = database();
    let dir = repo.path();
    // HEAD -> HEAD~1 brings back lodash's advisory (high): `suspicious` is the high of a
    // suspicious verdict's finding, `malicious` the critical of a malicious one.
    diff_json(
        dir,
        db.path(),
        &["HEAD", "HEAD~1", "--fail-on", "suspicious"],
        1,
    );
    diff_json(
        dir,
        db.path(),
        &["HEAD", "HEAD~1", "--fail-on", "malicious"],
        0,
    );
    // HEAD~1 -> HEAD brings the MAL record (critical).
    diff_json(
        dir,
        db.path(),
        &["HEAD~1", "HEAD", "--fail-on", "malicious"],
        1,
    );
    // `scan` and `policy` take the same names; PYSEC-2099-1 has no score (`unscored`,
    // high by default).
    for (level, code) in [("suspicious", 1), ("malicious", 0)] {
        tollgate()
            .current_dir(dir)
            .args(["scan", "py/uv.lock", "--fail-on", level, "--db"])
            .arg(db.path())
            .assert()
            .code(code);
    }
    tollgate()
        .args(["scan", "--fail-on", "clean"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("nor a verdict"));
    for command in ["diff", "scan", "policy"] {
        tollgate()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicates::str::contains("suspicious"));
    }
}
