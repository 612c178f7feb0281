//! The repository and advisory database of `tollgate diff`'s CLI tests (`diff.rs`,
//! `diff_policy.rs`): two commits of an npm, a pnpm, a uv and a Cargo lockfile, and a small
//! OSV database written by the test (a MAL record for one new version, advisories that an
//! upgrade fixes and a downgrade brings back).

use std::path::Path;

use serde_json::{Value, json};

use super::{git, tollgate};

pub fn npm_lock(packages: &[(&str, &str)]) -> String {
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

pub fn pnpm_lock(packages: &[(&str, &str)]) -> String {
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

pub fn uv_lock(packages: &[(&str, &str)]) -> String {
    let mut text = String::from("version = 1\nrevision = 2\nrequires-python = \">=3.11\"\n");
    for (name, version) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n"
        ));
    }
    text
}

pub fn cargo_lock(packages: &[(&str, &str, &str)]) -> String {
    let mut text = String::from("version = 4\n");
    for (name, version, source) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"{source}\"\n"
        ));
    }
    text
}

pub const CRATES: &str = "registry+https://github.com/rust-lang/crates.io-index";
pub const GIT: &str =
    "git+https://github.com/someone/arrayref?rev=abc#0123456789abcdef0123456789abcdef01234567";

pub fn osv(id: &str, ecosystem: &str, name: &str, affected: Value) -> Value {
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
pub fn database() -> tempfile::TempDir {
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
pub fn repository() -> tempfile::TempDir {
    repository_with(&[])
}

/// [`repository`], with `base_files` (path, text) in its first commit too.
pub fn repository_with(base_files: &[(&str, &str)]) -> tempfile::TempDir {
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

pub fn diff_json(repo: &Path, db: &Path, args: &[&str], code: i32) -> Value {
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

pub fn change<'v>(json: &'v Value, path: &str, name: &str) -> &'v Value {
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

pub fn codes(findings: &Value) -> Vec<(String, String)> {
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
