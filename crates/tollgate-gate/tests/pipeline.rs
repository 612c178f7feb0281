//! The pipeline as scan calls it: two lockfiles under two policies, one advisory index.

use tollgate_gate::PolicyScope;
use tollgate_gate::pipeline::check;
use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, Lockfile, LockfileFormat, Package};
use tollgate_policy::{Config, Context};

/// An index with one malicious-package record for `evil` 1.0.0.
fn index(dir: &std::path::Path) -> tollgate_advisory::Index {
    let record = dir.join("MAL-2026-0003.json");
    std::fs::write(
        &record,
        serde_json::json!({
            "id": "MAL-2026-0003",
            "modified": "2026-01-01T00:00:00Z",
            "summary": "Malicious code in evil (npm)",
            "affected": [{"package": {"ecosystem": "npm", "name": "evil"}, "versions": ["1.0.0"]}],
        })
        .to_string(),
    )
    .unwrap();
    let db = dir.join("db");
    tollgate_advisory::import(&db, &[record], tollgate_advisory::Previous::Replace).unwrap();
    tollgate_advisory::Index::open(&db).unwrap()
}

fn lockfile(path: &str) -> Lockfile {
    let mut lockfile = Lockfile::new(path, LockfileFormat::PackageLock);
    lockfile
        .packages
        .push(Package::new(Ecosystem::Npm, "evil", "1.0.0"));
    lockfile
}

#[test]
fn each_policy_applies_its_ignores_and_bans_to_its_own_lockfiles() {
    let dir = tempfile::tempdir().unwrap();
    let index = index(dir.path());
    let inventory = Inventory {
        lockfiles: vec![
            lockfile("a/package-lock.json"),
            lockfile("b/package-lock.json"),
        ],
        errors: Vec::new(),
    };
    let ignoring = Config::parse(
        "a/tollgate.toml",
        "[[advisories.ignore]]\nid = \"MAL-2026-0003\"\nreason = \"test\"\n\n[bans]\ndeny = [{ ecosystem = \"npm\", name = \"evil\" }]\n",
    )
    .unwrap();
    let default = Config::default();
    let (a, b) = (
        vec!["a/package-lock.json".to_owned()],
        vec!["b/package-lock.json".to_owned()],
    );
    let policies = [
        PolicyScope {
            config: &ignoring,
            lockfiles: &a,
            roots: None,
            trust_root: None,
        },
        PolicyScope {
            config: &default,
            lockfiles: &b,
            roots: None,
            trust_root: None,
        },
    ];
    let offline = tollgate_policy::Offline;
    let context = Context::new(&offline, jiff::Timestamp::now());
    let checked = check(&inventory, &policies, Some(&index), &context, &[]).unwrap();
    let found: Vec<(&str, &str)> = checked
        .findings
        .iter()
        .filter(|f| f.code != "hashes-missing")
        .map(|f| (f.lockfile.as_deref().unwrap(), f.code.as_str()))
        .collect();
    // a: the advisory is ignored, the ban applies; b: the advisory stays, no ban.
    assert_eq!(
        found,
        [
            ("b/package-lock.json", "malicious"),
            ("a/package-lock.json", "bans")
        ],
        "{:#?}",
        checked.findings
    );
    assert!(
        checked
            .notes
            .iter()
            .any(|n| n.contains("MAL-2026-0003") && n.contains("ignored")),
        "{:?}",
        checked.notes
    );

    // Without an index: the policy checks alone; a command-line ignore that hid nothing
    // is reported.
    let ids = ["GHSA-none".to_owned()];
    let checked = check(&inventory, &policies, None, &context, &ids).unwrap();
    assert!(checked.findings.iter().all(|f| f.code != "malicious"));
    assert!(
        checked
            .notes
            .iter()
            .any(|n| n.contains("--ignore GHSA-none matched no finding")),
        "{:?}",
        checked.notes
    );
}
