//! Import, index and matching on fixture records (no corpus, no network).

mod common;

use tollgate_advisory::{AdvisoryKind, Index, Matcher, Previous, import, match_package};
use tollgate_model::{Ecosystem, Lockfile, LockfileFormat, Package, Severity};

fn crates_lockfile(packages: &[(&str, &str)]) -> Lockfile {
    let mut lockfile = Lockfile::new("fixtures/Cargo.lock", LockfileFormat::CargoLock);
    for (line, (name, version)) in packages.iter().enumerate() {
        let mut package = Package::new(Ecosystem::CratesIo, *name, *version);
        package.line = Some(line as u32 * 6 + 5);
        lockfile.packages.push(package);
    }
    lockfile
}

fn fixture_index() -> (tempfile::TempDir, Index) {
    let dir = tempfile::tempdir().unwrap();
    let paths = vec![
        common::fixtures().join("osv"),
        common::fixtures().join("extra"),
    ];
    let report = import(dir.path(), &paths, Previous::Replace).unwrap();
    assert_eq!(report.header.skipped, 2, "{:#?}", report.warnings);
    let index = Index::open(dir.path()).unwrap();
    (dir, index)
}

#[test]
fn import_counts_records_sources_and_skips() {
    let dir = tempfile::tempdir().unwrap();
    let paths = vec![
        common::fixtures().join("osv"),
        common::fixtures().join("extra"),
    ];
    let report = import(dir.path(), &paths, Previous::Replace).unwrap();
    let header = &report.header;
    // 11 files: 5 RUSTSEC + 1 MAL + 1 PYSEC + 1 GHSA valid, 1 withdrawn, 2 invalid.
    assert_eq!(header.records, 8);
    assert_eq!(header.withdrawn, 1);
    assert_eq!(header.skipped, 2);
    let crates = &header.ecosystems["crates.io"];
    assert_eq!(crates.sources["RUSTSEC"], 5);
    assert_eq!(crates.sources["MAL"], 1);
    assert_eq!(header.ecosystems["PyPI"].records, 2);
    assert_eq!(
        header.newest_modified.as_deref(),
        Some("2026-08-20T00:00:00Z"),
        "MAL-2026-14338 is the newest"
    );
    let warnings: Vec<String> = report.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("BROKEN-1.json: record BROKEN-1: unparsable range version")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("truncated.json") && w.contains("invalid JSON")),
        "{warnings:#?}"
    );
}

#[test]
fn known_malicious_crates_are_reported_as_malicious() {
    let (_dir, index) = fixture_index();
    let lockfile = crates_lockfile(&[
        ("chrono_anchor", "0.1.0"),
        ("dnp3times", "0.1.0"),
        ("time-sync", "0.2.1"),
        ("serde", "1.0.200"),
    ]);
    let outcome = Matcher::new(&index).match_lockfile(&lockfile).unwrap();
    let found: Vec<(&str, &str, &str, Severity)> = outcome
        .findings
        .iter()
        .map(|f| {
            (
                f.name.as_deref().unwrap(),
                f.id.as_deref().unwrap(),
                f.code.as_str(),
                f.severity,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "chrono_anchor",
                "RUSTSEC-2026-0039",
                "malicious",
                Severity::Critical
            ),
            (
                "dnp3times",
                "RUSTSEC-2026-0032",
                "malicious",
                Severity::Critical
            ),
            (
                "time-sync",
                "RUSTSEC-2026-0036",
                "malicious",
                Severity::Critical
            ),
        ]
    );
    assert_eq!(outcome.findings[0].line, Some(5));
    assert_eq!(
        outcome.findings[0].lockfile.as_deref(),
        Some("fixtures/Cargo.lock")
    );
}

#[test]
fn vulnerability_with_cvss_fix_and_range() {
    let (_dir, index) = fixture_index();
    let outcome = Matcher::new(&index)
        .match_lockfile(&crates_lockfile(&[
            ("time", "0.1.45"),
            ("time", "0.2.23"),
            ("failure", "0.1.8"),
        ]))
        .unwrap();
    assert_eq!(outcome.findings.len(), 2, "{:#?}", outcome.findings);
    let time = &outcome.findings[0];
    assert_eq!(time.id.as_deref(), Some("RUSTSEC-2020-0071"));
    assert_eq!(time.aliases, ["CVE-2020-26235", "GHSA-wcg3-cvx6-7396"]);
    assert_eq!(time.code, "vulnerability");
    // CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H = 6.2
    assert_eq!(time.severity, Severity::Medium);
    assert_eq!(time.fixed.as_deref(), Some("0.2.0"));
    assert!(
        time.affected
            .as_deref()
            .unwrap()
            .starts_with(">=0.0.0-0, <0.2.0"),
        "{:?}",
        time.affected
    );
    assert!(time.evidence[0].note.as_deref().unwrap().contains("= 6.2"));
    let failure = &outcome.findings[1];
    assert_eq!(
        (failure.code.as_str(), failure.severity),
        ("unmaintained", Severity::Info)
    );
}

#[test]
fn withdrawn_records_do_not_match() {
    let (_dir, index) = fixture_index();
    assert!(
        index
            .lookup(Ecosystem::CratesIo, "ring")
            .unwrap()
            .is_empty()
    );
}

#[test]
fn aliases_merge_across_databases_and_pypi_names_normalize() {
    let (_dir, index) = fixture_index();
    let mut lockfile = Lockfile::new("uv.lock", LockfileFormat::UvLock);
    lockfile
        .packages
        .push(Package::new(Ecosystem::PyPI, "URLLib3", "1.26.3"));
    lockfile
        .packages
        .push(Package::new(Ecosystem::PyPI, "urllib3", "1.26.4"));
    let outcome = Matcher::new(&index).match_lockfile(&lockfile).unwrap();
    assert_eq!(outcome.findings.len(), 1, "{:#?}", outcome.findings);
    let finding = &outcome.findings[0];
    assert_eq!(finding.id.as_deref(), Some("GHSA-5phf-pp7p-vc2r"));
    assert_eq!(finding.aliases, ["CVE-2021-28363", "PYSEC-2021-59"]);
    assert_eq!(
        finding.evidence.len(),
        2,
        "one piece of evidence per merged record"
    );
    assert_eq!(finding.fixed.as_deref(), Some("1.26.4"));
}

#[test]
fn unparsable_and_unpinned_versions_are_warned_about() {
    let (_dir, index) = fixture_index();
    let advisories = index.lookup(Ecosystem::CratesIo, "time").unwrap();
    let mut warnings = Vec::new();
    let bad = Package::new(Ecosystem::CratesIo, "time", "not-a-version");
    assert!(match_package(&bad, &advisories, "Cargo.lock", &mut warnings).is_empty());
    let unpinned = Package::new(Ecosystem::CratesIo, "time", "");
    assert!(match_package(&unpinned, &advisories, "Cargo.lock", &mut warnings).is_empty());
    assert_eq!(warnings.len(), 2);
    assert!(
        warnings[0].message.contains("not-a-version"),
        "{}",
        warnings[0]
    );
    assert!(
        warnings[1].message.contains("not pinned"),
        "{}",
        warnings[1]
    );
}

#[test]
fn importing_a_zip_export_matches_importing_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let zip_path = dir.path().join("all.zip");
    std::fs::write(
        &zip_path,
        common::export_zip(&common::fixtures().join("osv")),
    )
    .unwrap();
    let db = dir.path().join("db");
    let report = import(&db, &[zip_path], Previous::Replace).unwrap();
    assert_eq!(report.header.records, 7);
    let index = Index::open(&db).unwrap();
    let time = index.lookup(Ecosystem::CratesIo, "time").unwrap();
    assert_eq!(time.len(), 1);
    assert_eq!(time[0].kind, AdvisoryKind::Vulnerability);
}

#[test]
fn missing_and_corrupt_indexes_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = Index::open(dir.path()).unwrap_err().to_string();
    assert!(missing.contains("tollgate db update"), "{missing}");
    std::fs::write(
        dir.path().join(tollgate_advisory::INDEX_FILE),
        b"TGOSVIDX\x01\0\0\0garbage",
    )
    .unwrap();
    let corrupt = Index::open(dir.path()).unwrap_err().to_string();
    assert!(corrupt.contains("not a usable advisory index"), "{corrupt}");
}

#[test]
fn truncated_index_is_refused() {
    let (dir, _index) = fixture_index();
    let path = dir.path().join(tollgate_advisory::INDEX_FILE);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() - 10]).unwrap();
    let error = Index::open(dir.path()).unwrap_err().to_string();
    assert!(error.contains("truncated"), "{error}");
}
