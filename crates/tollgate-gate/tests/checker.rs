//! The gate as a library: a fake registry, a real advisory index built from one record.

use std::path::Path;

use tollgate_gate::{Checker, GateError, ListedVersion, PackageFacts};
use tollgate_model::{Attestation, Ecosystem, Provenance, ProvenanceHistory};
use tollgate_policy::{Config, MetadataError, MetadataSource};

/// A registry that knows one npm package, `gate-fixture`, with three releases (1.0.0 with
/// provenance, 1.1.0 without, 2.0.0-rc.1 unknown); with
/// `reachable` false every lookup fails as an offline client with an empty cache does.
struct Registry {
    reachable: bool,
}

const NAME: &str = "gate-fixture";

fn days_ago(days: i64) -> jiff::Timestamp {
    jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_hours(days * 24))
        .unwrap()
}

impl Registry {
    fn answer<T>(&self, name: &str, known: T) -> Result<T, MetadataError> {
        if self.reachable {
            Ok(known)
        } else {
            Err(MetadataError {
                ecosystem: Ecosystem::Npm,
                name: name.to_owned(),
                message: "not in the cache and offline".into(),
            })
        }
    }
}

impl MetadataSource for Registry {
    fn publish_time(
        &self,
        _: Ecosystem,
        name: &str,
        version: &str,
    ) -> Result<Option<jiff::Timestamp>, MetadataError> {
        let published = match (name, version) {
            (NAME, "1.0.0") => Some(days_ago(400)),
            (NAME, "1.1.0") => Some(days_ago(2)),
            _ => None,
        };
        self.answer(name, published)
    }

    fn license(&self, _: Ecosystem, name: &str, _: &str) -> Result<Option<String>, MetadataError> {
        self.answer(name, None)
    }

    fn exists(&self, _: Ecosystem, name: &str) -> Result<Option<bool>, MetadataError> {
        self.answer(name, Some(name == NAME))
    }

    fn provenance(
        &self,
        _: Ecosystem,
        name: &str,
    ) -> Result<Option<ProvenanceHistory>, MetadataError> {
        let history = (name == NAME).then(|| {
            ProvenanceHistory::from([
                ("1.0.0".to_owned(), attested()),
                ("1.1.0".to_owned(), Provenance::Absent),
            ])
        });
        self.answer(name, history)
    }
}

fn attested() -> Provenance {
    Provenance::Present {
        attestations: vec![Attestation::NpmProvenance],
    }
}

impl PackageFacts for Registry {
    fn versions(
        &self,
        _: Ecosystem,
        name: &str,
    ) -> Result<Option<Vec<ListedVersion>>, MetadataError> {
        let listed = |version: &str, days| ListedVersion {
            version: version.into(),
            published: Some(days_ago(days)),
            yanked: false,
        };
        let versions = (name == NAME).then(|| {
            vec![
                listed("1.0.0", 400),
                listed("1.1.0", 2),
                listed("2.0.0-rc.1", 1),
            ]
        });
        self.answer(name, versions)
    }

    fn install_time_code(&self, _: Ecosystem, _: &str, _: &str) -> Option<Vec<String>> {
        self.reachable.then(Vec::new)
    }
}

/// An index holding one malicious-package record for `gate-fixture` 0.9.0.
fn index(dir: &Path) -> tollgate_advisory::Index {
    let record = dir.join("MAL-2026-0002.json");
    std::fs::write(
        &record,
        serde_json::json!({
            "id": "MAL-2026-0002",
            "modified": "2026-01-01T00:00:00Z",
            "summary": "Malicious code in gate-fixture (npm)",
            "affected": [{"package": {"ecosystem": "npm", "name": NAME}, "versions": ["0.9.0"]}],
        })
        .to_string(),
    )
    .unwrap();
    let db = dir.join("db");
    tollgate_advisory::import(&db, &[record], tollgate_advisory::Previous::Replace).unwrap();
    tollgate_advisory::Index::open(&db).unwrap()
}

fn config(text: &str) -> Config {
    Config::parse("tollgate.toml", text).unwrap_or_else(|_| panic!("invalid policy {text}"))
}

#[test]
fn without_a_version_the_installable_one_is_checked_and_the_name_s_malware_record_reported() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry { reachable: true };
    let checker = Checker::new(config(""), &registry, Ok(index(dir.path())), false).unwrap();
    let report = checker.check(Ecosystem::Npm, NAME).unwrap();
    assert_eq!(report.checked_version.as_deref(), Some("1.1.0"));
    assert_eq!(report.exists, Some(true));
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["malicious"], "{:?}", report.findings);

    let cooled = config("[cooldown]\nminimum-release-age = 7\n");
    let checker = Checker::new(cooled, &registry, Ok(index(dir.path())), false).unwrap();
    let report = checker.check(Ecosystem::Npm, NAME).unwrap();
    assert_eq!(report.checked_version.as_deref(), Some("1.0.0"));
    // An exact version that was never malicious still gets the name's record.
    let report = checker
        .check(Ecosystem::Npm, &format!("{NAME}@1.1.0"))
        .unwrap();
    assert!(report.findings.iter().any(|f| f.code == "malicious"));
    assert!(report.findings.iter().any(|f| f.code == "cooldown"));
}

#[test]
fn fails_closed_unless_gaps_are_allowed() {
    let registry = Registry { reachable: false };
    let missing = || tollgate_advisory::Index::open(Path::new("/nonexistent/tollgate-db"));
    assert!(matches!(
        Checker::new(config(""), &registry, missing(), false),
        Err(GateError::MissingIndex(_))
    ));
    let dir = tempfile::tempdir().unwrap();
    let checker = Checker::new(config(""), &registry, Ok(index(dir.path())), false).unwrap();
    assert!(matches!(
        checker.check(Ecosystem::Npm, NAME),
        Err(GateError::Unresolved { .. })
    ));
    assert!(matches!(
        checker.check(Ecosystem::Npm, &format!("{NAME}@1.0.0")),
        Err(GateError::MissingMetadata { .. })
    ));
    assert!(matches!(
        checker.check(Ecosystem::Npm, " "),
        Err(GateError::InvalidName { .. })
    ));

    let checker = Checker::new(config(""), &registry, missing(), true).unwrap();
    let report = checker.check(Ecosystem::Npm, "expresss").unwrap();
    assert_eq!(report.checked_version, None);
    assert_eq!(
        report.typosquat_of.map(|t| t.target).as_deref(),
        Some("express")
    );
    let notes = report.notes.join("\n");
    assert!(notes.contains("advisories not checked"), "{notes}");
    assert!(notes.contains("no version checked"), "{notes}");
}

/// `check` shows the version's provenance, and `[provenance] no-downgrade` reports a version
/// that lost it, through the same policy checks as a resolved set.
#[test]
fn provenance_is_shown_and_a_downgrade_reported() {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry { reachable: true };
    let policy = config("[provenance]\nno-downgrade = true\n");
    let checker = Checker::new(policy, &registry, Ok(index(dir.path())), false).unwrap();
    let report = checker
        .check(Ecosystem::Npm, &format!("{NAME}@1.1.0"))
        .unwrap();
    assert_eq!(report.provenance, Provenance::Absent);
    let downgrade: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.code == "provenance-downgrade")
        .collect();
    assert_eq!(downgrade.len(), 1, "{:?}", report.findings);
    assert!(
        downgrade[0].summary.contains("1.0.0"),
        "{}",
        downgrade[0].summary
    );

    // Provenance lowers nothing: 1.0.0 has it and still gets the name's malware record.
    let report = checker
        .check(Ecosystem::Npm, &format!("{NAME}@1.0.0"))
        .unwrap();
    assert_eq!(report.provenance, attested());
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["malicious"], "{:?}", report.findings);
    let report = checker
        .check(Ecosystem::Npm, &format!("{NAME}@2.0.0-rc.1"))
        .unwrap();
    assert_eq!(report.provenance, Provenance::Unknown);
}
