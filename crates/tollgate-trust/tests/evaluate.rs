//! Evaluation of the fixture projects (tests/fixtures/README.md): one rule per package.

use std::path::{Path, PathBuf};

use tollgate_trust::report::{PackageResult, Report, StepKind, Verdict, VettedBy};
use tollgate_trust::{Options, Store, evaluate};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn run(project: &str, lockfile: &str, options: &Options) -> Report {
    let dir = fixture(project);
    let store = Store::load(&dir.join("supply-chain")).unwrap();
    let inventory = tollgate_lockfile::inventory(&[dir.join(lockfile)]);
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    evaluate(&store, &inventory, options).unwrap()
}

fn package<'a>(report: &'a Report, name: &str) -> &'a PackageResult {
    report
        .packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} was not evaluated"))
}

/// How a package was vetted, and the kinds and lines of the evidence.
fn vetted(report: &Report, name: &str) -> (VettedBy, Vec<(StepKind, u32)>) {
    match &package(report, name).verdict {
        Verdict::Vetted {
            vetted_by,
            evidence,
        } => (
            *vetted_by,
            evidence.iter().map(|step| (step.kind, step.line)).collect(),
        ),
        other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn full_audit_delta_chain_implies_and_wildcard_are_own_audits() {
    let report = run("cargo", "Cargo.lock", &Options::default());
    assert_eq!(
        vetted(&report, "full-audited"),
        (VettedBy::Audit, vec![(StepKind::FullAudit, 46)])
    );
    assert_eq!(
        vetted(&report, "delta-chain"),
        (
            VettedBy::Audit,
            vec![
                (StepKind::FullAudit, 31),
                (StepKind::DeltaAudit, 36),
                (StepKind::DeltaAudit, 41)
            ]
        )
    );
    // crypto-reviewed implies safe-to-deploy.
    assert_eq!(
        vetted(&report, "custom-implied"),
        (VettedBy::Audit, vec![(StepKind::FullAudit, 26)])
    );
    let (by, evidence) = vetted(&report, "wildcard-crate");
    assert_eq!(
        (by, evidence),
        (VettedBy::Audit, vec![(StepKind::WildcardAudit, 8)])
    );
    let Verdict::Vetted { evidence, .. } = &package(&report, "wildcard-crate").verdict else {
        unreachable!()
    };
    let record = evidence[0].publisher.as_ref().unwrap();
    assert_eq!((record.when.as_str(), record.line), ("2024-06-01", 4));
}

#[test]
fn imports_count_only_through_their_criteria_map_and_excludes() {
    let report = run("cargo", "Cargo.lock", &Options::default());
    let (by, evidence) = vetted(&report, "peer-audited");
    assert_eq!(
        (by, evidence),
        (VettedBy::Import, vec![(StepKind::FullAudit, 22)])
    );
    let Verdict::Vetted { evidence, .. } = &package(&report, "peer-mapped").verdict else {
        panic!("peer-mapped: `reviewed` maps to safe-to-deploy")
    };
    assert_eq!(evidence[0].import.as_deref(), Some("friends"));
    assert_eq!(evidence[0].criteria, ["reviewed"]);
    // `fuzzed` is not mapped; `excluded-crate` is excluded from the import.
    for name in ["peer-unmapped", "excluded-crate"] {
        let Verdict::Unvetted { found, .. } = &package(&report, name).verdict else {
            panic!("{name} must not be vetted by the peer")
        };
        assert!(found.is_empty(), "{name}: {found:?}");
    }
}

#[test]
fn exemption_and_violation_over_exemption() {
    let report = run("cargo", "Cargo.lock", &Options::default());
    assert_eq!(
        vetted(&report, "exempted"),
        (VettedBy::Exemption, vec![(StepKind::Exemption, 18)])
    );
    let Verdict::Violation { evidence } = &package(&report, "violated").verdict else {
        panic!("the imported violation wins over the exemption")
    };
    assert_eq!(evidence.len(), 1);
    assert_eq!(evidence[0].range.as_deref(), Some("=1.5.0"));
    assert_eq!(evidence[0].import.as_deref(), Some("friends"));
    assert!(evidence[0].path.ends_with("imports.lock"));
    assert_eq!(evidence[0].line, 37);
}

#[test]
fn broken_chain_suggests_the_smallest_delta() {
    let report = run("cargo", "Cargo.lock", &Options::default());
    let Verdict::Unvetted {
        found,
        nearest,
        suggestion,
        ..
    } = &package(&report, "broken-chain").verdict
    else {
        panic!("2.0.0 is not audited, so 2.0.0 -> 2.1.0 leads nowhere")
    };
    assert!(found.is_empty());
    assert_eq!(nearest.len(), 1);
    assert_eq!(nearest[0].version, "1.0.0");
    assert_eq!(nearest[0].criteria, ["safe-to-deploy"]);
    let suggestion = suggestion.as_ref().unwrap();
    assert_eq!(
        (suggestion.from.as_deref(), suggestion.to.as_str()),
        (Some("1.0.0"), "2.0.0")
    );
    assert_eq!(
        suggestion.command.as_deref(),
        Some("cargo vet diff broken-chain 1.0.0 2.0.0")
    );
    assert!(
        suggestion.record.contains("[[audits.broken-chain]]")
            && suggestion.record.contains("delta = \"1.0.0 -> 2.0.0\""),
        "{}",
        suggestion.record
    );
}

#[test]
fn policy_and_criteria_decide_what_is_required() {
    let report = run("cargo", "Cargo.lock", &Options::default());
    let Verdict::NotRequired { evidence } = &package(&report, "fuzz-only").verdict else {
        panic!("fuzz-only is used by app-fuzz only, whose policy requires nothing")
    };
    assert_eq!(evidence[0].kind, StepKind::Policy);
    assert_eq!(
        (evidence[0].to.as_deref(), evidence[0].line),
        (Some("app-fuzz"), 14)
    );
    // full-audited is used by app-fuzz too, but also by app: still safe-to-deploy.
    assert_eq!(
        package(&report, "full-audited").required,
        ["safe-to-deploy"]
    );
    let Verdict::Unvetted { found, notes, .. } = &package(&report, "run-only").verdict else {
        panic!("run-only is audited safe-to-run only")
    };
    assert_eq!(found, &["safe-to-run"]);
    assert!(notes[0].contains("dev-dependency"), "{notes:?}");
    assert_eq!(report.out_of_scope.len(), 1);
    assert!(report.out_of_scope[0].reason.contains("git dependency"));

    let summary = report.summary();
    assert_eq!(
        (
            summary.vetted_by_audit,
            summary.vetted_by_import,
            summary.vetted_by_exemption,
            summary.not_required,
            summary.unvetted,
            summary.violations
        ),
        (4, 2, 1, 1, 4, 1)
    );

    let run_only = Options {
        criteria: vec!["safe-to-run".to_owned()],
        ..Options::default()
    };
    let relaxed = run("cargo", "Cargo.lock", &run_only);
    assert!(matches!(
        package(&relaxed, "run-only").verdict,
        Verdict::Vetted { .. }
    ));
    // A safe-to-run violation still fails a package that only needs safe-to-run.
    assert!(matches!(
        package(&relaxed, "violated").verdict,
        Verdict::Violation { .. }
    ));
}

#[test]
fn unknown_criteria_are_refused() {
    let dir = fixture("cargo");
    let store = Store::load(&dir.join("supply-chain")).unwrap();
    let inventory = tollgate_lockfile::inventory(&[dir.join("Cargo.lock")]);
    let options = Options {
        criteria: vec!["safe-to-depoly".to_owned()],
        origin: "--criteria".to_owned(),
        ..Options::default()
    };
    let error = evaluate(&store, &inventory, &options)
        .unwrap_err()
        .to_string();
    assert!(error.starts_with("--criteria: `safe-to-depoly`"), "{error}");
    assert!(error.contains("crypto-reviewed"), "{error}");
}

#[test]
fn npm_keys_follow_npm_version_rules_and_dev_scope() {
    let report = run("npm", "package-lock.json", &Options::default());
    assert_eq!(vetted(&report, "left-pad").0, VettedBy::Audit);
    // `4.17.20 -> v4.17.21`: npm reads v4.17.21 as 4.17.21.
    assert_eq!(vetted(&report, "lodash").1.len(), 2);
    // A development-only package needs safe-to-run only.
    assert_eq!(package(&report, "test-runner").required, ["safe-to-run"]);
    assert_eq!(vetted(&report, "test-runner").0, VettedBy::Audit);
    // 2.0.0-beta.2 is not 2.0.0.
    let Verdict::Unvetted { suggestion, .. } = &package(&report, "@acme/widgets").verdict else {
        panic!("a pre-release is another version")
    };
    let suggestion = suggestion.as_ref().unwrap();
    assert_eq!(suggestion.command, None);
    assert!(
        suggestion
            .record
            .contains("[[audits.\"npm:@acme/widgets\"]]"),
        "{}",
        suggestion.record
    );
    let Verdict::Violation { evidence } = &package(&report, "event-stream").verdict else {
        panic!("`>=3.3.6 <4` is an npm range that holds 3.3.6")
    };
    assert_eq!(evidence[0].line, 30);
    assert!(report.out_of_scope[0].reason.contains("local path"));
}

#[test]
fn pypi_keys_follow_pep_440_and_pep_503() {
    let report = run("pypi", "requirements.txt", &Options::default());
    // The lock says Django==4.2, the audit 4.2.0; the lock says Requests.
    assert_eq!(vetted(&report, "Django").0, VettedBy::Audit);
    assert_eq!(vetted(&report, "Requests").0, VettedBy::Audit);
    // `pypi:Typing.Extensions` names typing_extensions; 4.12.0 is not 4.12.2.
    let Verdict::Unvetted { nearest, .. } = &package(&report, "typing_extensions").verdict else {
        panic!("only 4.12.0 is audited")
    };
    assert_eq!(nearest[0].version, "4.12.0");
    assert!(matches!(
        package(&report, "urllib3").verdict,
        Verdict::Violation { .. }
    ));
}

#[test]
fn long_delta_chains_stay_fast() {
    // 3,000 deltas for one crate (a busy crate in a large peer's set): the graph lookups
    // must not be quadratic.
    let dir = tempfile::tempdir().unwrap();
    let mut audits =
        String::from("[[audits.busy]]\ncriteria = \"safe-to-deploy\"\nversion = \"1.0.0\"\n");
    for patch in 0..3000 {
        audits.push_str(&format!(
            "[[audits.busy]]\ncriteria = \"safe-to-deploy\"\ndelta = \"1.0.{patch} -> 1.0.{}\"\n",
            patch + 1
        ));
    }
    let store = dir.path().join("supply-chain");
    std::fs::create_dir(&store).unwrap();
    std::fs::write(store.join("audits.toml"), audits).unwrap();
    std::fs::write(
        dir.path().join("Cargo.lock"),
        "version = 4\n[[package]]\nname = \"busy\"\nversion = \"1.0.3000\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let store = Store::load(&store).unwrap();
    let inventory = tollgate_lockfile::inventory(&[dir.path().join("Cargo.lock")]);
    let report = evaluate(&store, &inventory, &Options::default()).unwrap();
    let (by, evidence) = vetted(&report, "busy");
    assert_eq!((by, evidence.len()), (VettedBy::Audit, 3001));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}
