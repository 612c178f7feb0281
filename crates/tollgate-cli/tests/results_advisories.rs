//! Issue 13, "results you can trust", for advisory findings: unscored severities, hostile
//! text, dependency paths, fixes and ignores, bundled and runtime packages. Fixtures are
//! written by the tests (no corpus, no network).

use predicates::str::contains;

mod common;
use common::{cargo_lock, now_rfc3339, record, tollgate, write};

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
