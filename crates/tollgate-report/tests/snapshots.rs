//! Snapshot tests of every scan report format over one fixed report: a vulnerability with
//! aliases and a fix, a malicious package, a policy finding with its config evidence, a
//! warning and an error. A change to any rendering shows up as a reviewed snapshot diff.

use tollgate_model::{Ecosystem, Evidence, FileError, Finding, LockfileFormat, Package, Severity};
use tollgate_report::findings::{AdvisoryStatus, ScanReport, ScannedLockfile};

fn report() -> ScanReport {
    let time = Package::new(Ecosystem::CratesIo, "time", "0.1.45");
    let mut vulnerability = Finding::for_package(
        "vulnerability",
        Severity::Medium,
        &Package {
            line: Some(12),
            ..time
        },
        "Cargo.lock",
        "Potential segfault in the time crate",
    );
    vulnerability.id = Some("RUSTSEC-2020-0071".into());
    vulnerability.aliases = vec!["CVE-2020-26235".into(), "GHSA-wcg3-cvx6-7396".into()];
    vulnerability.fixed = Some("0.2.23".into());
    vulnerability.affected = Some("<0.2.23".into());
    vulnerability.url = Some("https://rustsec.org/advisories/RUSTSEC-2020-0071".into());

    let squat = Package::new(Ecosystem::Npm, "@scope/crossenv", "1.0.0");
    let mut malicious = Finding::for_package(
        "malicious",
        Severity::Critical,
        &Package {
            line: Some(40),
            ..squat
        },
        "web/package-lock.json",
        "Malicious code in @scope/crossenv (npm)",
    );
    malicious.id = Some("MAL-2025-1234".into());

    let ban = Package::new(Ecosystem::CratesIo, "atty", "0.2.14");
    let mut banned = Finding::for_package(
        "bans",
        Severity::High,
        &Package {
            line: Some(30),
            ..ban
        },
        "Cargo.lock",
        "atty 0.2.14 is banned by the policy: unmaintained",
    );
    banned.id = Some("bans.deny".into());
    banned.evidence = vec![
        Evidence {
            path: "Cargo.lock".into(),
            line: Some(30),
            snippet: Some("name = \"atty\"".into()),
            note: None,
        },
        Evidence {
            path: "tollgate.toml".into(),
            line: Some(3),
            snippet: None,
            note: Some("the rule that fired".into()),
        },
    ];

    ScanReport {
        findings: vec![malicious, banned, vulnerability],
        errors: vec![FileError {
            code: None,
            path: "broken/uv.lock".into(),
            line: Some(3),
            column: Some(1),
            message: "expected `=` after a key".into(),
        }],
        warnings: vec![FileError {
            code: None,
            path: "requirements.txt".into(),
            line: Some(7),
            column: None,
            message: "`flask>=2`: not pinned; advisories are matched against pinned versions only".into(),
        }],
        lockfiles: vec![
            ScannedLockfile {
                path: "Cargo.lock".into(),
                format: LockfileFormat::CargoLock,
                ecosystem: Ecosystem::CratesIo,
                packages: 2,
                policy: None,
            },
            ScannedLockfile {
                path: "web/package-lock.json".into(),
                format: LockfileFormat::PackageLock,
                ecosystem: Ecosystem::Npm,
                packages: 1,
                policy: None,
            },
        ],
        advisories: AdvisoryStatus {
            checked: true,
            database: Some("/cache/tollgate/db/advisories.idx".into()),
            records: 4310,
            newest_modified: Some("2026-11-20T10:00:00Z".into()),
            age_days: Some(2),
            notes: vec!["RUSTSEC-2021-0145 in pkg:cargo/atty@0.2.14 is ignored by tollgate.toml (RUSTSEC-2021-0145)".into()],
        },
        packages: Vec::new(),
        ignored: Vec::new(),
    }
}

fn render(write: impl Fn(&mut Vec<u8>, &ScanReport) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    write(&mut out, &report()).expect("rendering into memory cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

#[test]
fn table() {
    insta::assert_snapshot!(render(tollgate_report::findings::write_table_report));
}

#[test]
fn json() {
    insta::assert_snapshot!(render(tollgate_report::findings::write_json));
}

#[test]
fn markdown() {
    insta::assert_snapshot!(render(tollgate_report::markdown::write_markdown));
}

#[test]
fn sarif() {
    insta::assert_snapshot!(render(tollgate_report::sarif::write_sarif));
}
