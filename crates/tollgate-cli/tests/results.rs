//! Issue 13, "results you can trust", end to end: the index is never made worse by an
//! import, coverage and staleness warnings, empty scans, policy discovery, unscored
//! severities and hostile text. Fixtures are written by the tests (no corpus, no network).

use std::path::{Path, PathBuf};

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

mod common;
use common::{fixture_db, tollgate, write};

/// One OSV record for `name` in `ecosystem`, modified at `modified`.
fn record(id: &str, ecosystem: &str, name: &str, modified: &str) -> String {
    serde_json::json!({
        "id": id,
        "modified": modified,
        "summary": format!("{id} summary"),
        "affected": [{
            "package": { "ecosystem": ecosystem, "name": name },
            "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "2.0.0" }] }],
        }],
    })
    .to_string()
}

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

fn cargo_lock(dir: &Path, packages: &[(&str, &str)]) -> PathBuf {
    let mut text = String::from("version = 4\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ));
    }
    write(dir, "Cargo.lock", &text)
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
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
fn scored_record(id: &str, name: &str, aliases: &[&str], vector: Option<&str>) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&record(id, "crates.io", name, "2026-11-01T00:00:00Z")).unwrap();
    value["aliases"] = serde_json::json!(aliases);
    if let Some(vector) = vector {
        value["severity"] = serde_json::json!([{ "type": "CVSS_V3", "score": vector }]);
    }
    value.to_string()
}

#[test]
fn unscored_advisories_borrow_an_alias_score_or_say_unscored() {
    let db = tempfile::tempdir().unwrap();
    let osv = tempfile::tempdir().unwrap();
    // A RUSTSEC record without a score whose GHSA alias (another record) has a 9.8 vector.
    write(
        osv.path(),
        "a.json",
        &scored_record("RUSTSEC-2026-1000", "scoreless", &["CVE-2026-1"], None),
    );
    write(
        osv.path(),
        "b.json",
        &scored_record(
            "GHSA-xxxx-yyyy-zzzz",
            "scoreless",
            &["CVE-2026-1"],
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
        ),
    );
    // A record with nothing at all.
    write(
        osv.path(),
        "c.json",
        &scored_record("RUSTSEC-2026-2000", "nothing", &[], None),
    );
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(osv.path())
        .assert()
        .success();
    let project = tempfile::tempdir().unwrap();
    cargo_lock(
        project.path(),
        &[("scoreless", "1.0.0"), ("nothing", "1.0.0")],
    );
    let output = tollgate()
        .args(["scan", "--format", "json", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = |name: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(finding("scoreless")["severity"], "critical", "{json}");
    assert!(finding("scoreless").get("unscored").is_none());
    assert_eq!(finding("nothing")["severity"], "high");
    assert_eq!(finding("nothing")["unscored"], true);
    tollgate()
        .args(["scan", "--db"])
        .arg(db.path())
        .arg(project.path())
        .assert()
        .code(1)
        .stdout(contains("unscored (high)"));

    // The policy decides what unscored means for --fail-on.
    write(
        project.path(),
        "tollgate.toml",
        "[advisories]\nunscored = \"low\"\n",
    );
    cargo_lock(project.path(), &[("nothing", "1.0.0")]);
    tollgate()
        .args(["scan", "--fail-on", "high", "--db"])
        .arg(db.path())
        .arg(project.path())
        .assert()
        .success()
        .stdout(contains("unscored (low)"));
    let sarif = tollgate()
        .args(["scan", "--format", "sarif", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8(sarif.stdout)
            .unwrap()
            .contains("Unscored")
    );
    let markdown = tollgate()
        .args(["scan", "--format", "markdown", "--db"])
        .arg(db.path())
        .arg(project.path())
        .output()
        .unwrap();
    assert!(
        String::from_utf8(markdown.stdout)
            .unwrap()
            .contains("unscored (low)")
    );
}

#[test]
fn hostile_text_from_a_lockfile_or_advisory_never_starts_a_line() {
    let hostile = "evil\n::error::pwned\u{1b}[2J";
    let db = tempfile::tempdir().unwrap();
    let osv = tempfile::tempdir().unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&record(
        "RUSTSEC-2026-3000",
        "crates.io",
        hostile,
        &now_rfc3339(),
    ))
    .unwrap();
    value["summary"] = serde_json::json!("bad\n::warning::summary\r\n::notice::x");
    write(osv.path(), "a.json", &value.to_string());
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(osv.path())
        .assert()
        .success();
    let project = tempfile::tempdir().unwrap();
    let toml_name = hostile.replace('\n', "\\n").replace('\u{1b}', "\\u001b");
    write(
        project.path(),
        "Cargo.lock",
        &format!(
            "version = 4\n\n[[package]]\nname = \"{toml_name}\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
        ),
    );
    write(
        project.path(),
        "tollgate.toml",
        &format!("[bans]\ndeny = [{{ ecosystem = \"crates.io\", name = \"{toml_name}\" }}]\n"),
    );
    for format in ["table", "json", "sarif", "markdown"] {
        let output = tollgate()
            .args(["scan", "--format", format, "--db"])
            .arg(db.path())
            .arg(project.path())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{format}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            stdout.contains("pwned"),
            "{format}: the finding is printed: {stdout}"
        );
        for stream in [&output.stdout, &output.stderr] {
            let text = String::from_utf8_lossy(stream);
            for line in text.lines() {
                assert!(!line.trim_start().starts_with("::"), "{format}: {line}");
                assert!(!line.contains('\u{1b}'), "{format}: {line:?}");
            }
        }
    }
}

#[test]
fn advisory_findings_carry_paths_direct_and_fix_and_ignores_are_accounted_for() {
    let db = tempfile::tempdir().unwrap();
    let osv = tempfile::tempdir().unwrap();
    write(
        osv.path(),
        "a.json",
        &record(
            "RUSTSEC-2026-4000",
            "crates.io",
            "vulncrate",
            &now_rfc3339(),
        ),
    );
    write(
        osv.path(),
        "b.json",
        &record("GHSA-qqqq-rrrr-ssss", "npm", "qs", &now_rfc3339()),
    );
    tollgate()
        .args(["db", "import", "--db"])
        .arg(db.path())
        .arg(osv.path())
        .assert()
        .success();
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        "rust/Cargo.lock",
        "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"middle\"]\n\n\
         [[package]]\nname = \"middle\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\ndependencies = [\"vulncrate\"]\n\n\
         [[package]]\nname = \"vulncrate\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    );
    write(
        project.path(),
        "web/package-lock.json",
        r#"{"name":"web","lockfileVersion":3,"packages":{
            "":{"name":"web","dependencies":{"express":"^4.0.0"}},
            "node_modules/express":{"version":"4.0.0","resolved":"https://registry.npmjs.org/express/-/express-4.0.0.tgz","integrity":"sha512-AAAA","dependencies":{"qs":"^1.0.0"}},
            "node_modules/qs":{"version":"1.0.0","resolved":"https://registry.npmjs.org/qs/-/qs-1.0.0.tgz","integrity":"sha512-BBBB"}}}"#,
    );
    let scan = |extra: &[&str]| -> serde_json::Value {
        let output = tollgate()
            .args(["scan", "--format", "json", "--db"])
            .arg(db.path())
            .args(extra)
            .arg(project.path())
            .output()
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let json = scan(&[]);
    let finding = |name: &str| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name && f["code"] == "vulnerability")
            .unwrap_or_else(|| panic!("no finding for {name}: {json}"))
            .clone()
    };
    let vulncrate = finding("vulncrate");
    assert_eq!(
        vulncrate["paths"],
        serde_json::json!([["app@0.1.0", "middle@1.0.0", "vulncrate@1.0.0"]])
    );
    assert_eq!(vulncrate["direct"], false);
    assert_eq!(
        vulncrate["fix"],
        "cargo update -p vulncrate --precise 2.0.0"
    );
    let qs = finding("qs");
    assert_eq!(
        qs["paths"],
        serde_json::json!([["express@4.0.0", "qs@1.0.0"]])
    );
    assert_eq!(qs["direct"], false);
    assert!(
        qs["fix"]
            .as_str()
            .unwrap()
            .starts_with("npm install express@latest"),
        "{qs}"
    );

    // --ignore hides by id; an ignore that hides nothing is reported; both are listed.
    let json = scan(&[
        "--ignore",
        "GHSA-qqqq-rrrr-ssss",
        "--ignore",
        "GHSA-typo-typo-typo",
    ]);
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "GHSA-qqqq-rrrr-ssss")
    );
    let notes = json["advisories"]["notes"].to_string();
    assert!(
        notes.contains("--ignore GHSA-typo-typo-typo matched no finding"),
        "{notes}"
    );
    assert!(
        notes.contains("GHSA-qqqq-rrrr-ssss is ignored by --ignore"),
        "{notes}"
    );

    // A policy ignore without `expires` is allowed and listed.
    write(
        project.path(),
        "tollgate.toml",
        "[advisories]\nignore = [{ id = \"RUSTSEC-2026-4000\", reason = \"not reachable\" }]\n",
    );
    let json = scan(&[]);
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != "RUSTSEC-2026-4000")
    );
    let notes = json["advisories"]["notes"].to_string();
    assert!(notes.contains("never expires"), "{notes}");
}

#[test]
fn bundled_npm_packages_and_pnpm_runtimes_are_not_noise() {
    let project = tempfile::tempdir().unwrap();
    write(
        project.path(),
        "a/package-lock.json",
        r#"{"name":"a","lockfileVersion":3,"packages":{
            "":{"name":"a","dependencies":{"tap":"^1.0.0","loose":"^1.0.0"}},
            "node_modules/tap":{"version":"1.0.0","resolved":"https://registry.npmjs.org/tap/-/tap-1.0.0.tgz","integrity":"sha512-AAAA"},
            "node_modules/tap/node_modules/inner":{"version":"2.0.0","inBundle":true},
            "node_modules/loose":{"version":"1.0.0","resolved":"https://registry.npmjs.org/loose/-/loose-1.0.0.tgz"},
            "node_modules/loose/node_modules/unvouched":{"version":"3.0.0","inBundle":true}}}"#,
    );
    let runtime = |url: &str| {
        format!(
            "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    devDependencies:\n      node:\n        specifier: runtime:26.7.0\n        version: runtime:26.7.0\n\n\
             packages:\n\n  node@runtime:26.7.0:\n    resolution:\n      type: variations\n      variants:\n        - resolution:\n            archive: tarball\n            integrity: sha256-aiblNEH7fhCX+gsZYWAAoDCpuWFW6xWg/iJoLP3xmtI=\n            type: binary\n            url: {url}\n          targets:\n            - cpu: x64\n              os: linux\n\n\
             snapshots:\n\n  node@runtime:26.7.0: {{}}\n"
        )
    };
    write(
        project.path(),
        "b/pnpm-lock.yaml",
        &runtime("https://nodejs.org/download/release/v26.7.0/node-v26.7.0-linux-x64.tar.gz"),
    );
    write(
        project.path(),
        "c/pnpm-lock.yaml",
        &runtime("https://evil.example/node.tar.gz"),
    );
    let output = tollgate()
        .args(["scan", "--allow-missing-db", "--format", "json"])
        .arg(project.path())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let flagged: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                format!(
                    "{}:{}",
                    f["lockfile"]
                        .as_str()
                        .unwrap_or_default()
                        .rsplit('/')
                        .nth(1)
                        .unwrap_or_default(),
                    f["name"].as_str().unwrap_or_default()
                ),
            )
        })
        .collect();
    let has = |code: &str, what: &str| flagged.iter().any(|(c, w)| c == code && w == what);
    assert!(
        !has("hashes-missing", "a:inner"),
        "covered by tap's hash: {flagged:?}"
    );
    assert!(
        has("hashes-missing", "a:unvouched"),
        "its parent has no hash: {flagged:?}"
    );
    assert!(
        !flagged.iter().any(|(_, w)| w == "b:node"),
        "an official runtime download is not flagged: {flagged:?}"
    );
    assert!(
        has("sources-url", "c:node"),
        "a runtime from elsewhere is: {flagged:?}"
    );
}

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
