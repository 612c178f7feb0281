//! `tollgate diff`'s Markdown and table over one fixed comparison: an upgrade that gains a
//! malicious-package record, a downgrade, a move to git, an added package with a hostile
//! name. The snapshot is what a pull-request comment shows.

use tollgate_diff::{DiffReport, Summary, review};
use tollgate_lockfile::{Inventory, parse_str};
use tollgate_model::{FileError, Finding, LockfileFormat, Severity};
use tollgate_report::markdown::MAX_MARKDOWN_CHARS;

const CRATES: &str = "registry+https://github.com/rust-lang/crates.io-index";

fn lock(packages: &[(&str, &str, &str)]) -> Inventory {
    let mut text = String::from("version = 4\n");
    for (name, version, source) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"{source}\"\n"
        ));
    }
    Inventory {
        lockfiles: vec![parse_str("Cargo.lock", &text, LockfileFormat::CargoLock).unwrap()],
        errors: Vec::new(),
    }
}

fn report() -> DiffReport {
    let base = lock(&[
        ("arrayref", "0.3.7", CRATES),
        ("time", "0.3.36", CRATES),
        ("serde", "1.0.200", CRATES),
    ]);
    let head = lock(&[
        ("arrayref", "0.3.9", CRATES),
        ("time", "0.3.20", CRATES),
        (
            "serde",
            "1.0.200",
            "git+https://github.com/evil/serde#0123456789abcdef0123456789abcdef01234567",
        ),
        ("proc-macro1", "1.0.0", CRATES),
    ]);
    let mut diffs = tollgate_diff::compare(&base, &head);
    let (_, new_side) = tollgate_diff::changed_packages(&base, &head, &diffs);
    let package = |name: &str| {
        new_side.lockfiles[0]
            .packages
            .iter()
            .find(|p| p.name == name)
            .unwrap()
            .clone()
    };
    let mut malicious = Finding::for_package(
        "malicious",
        Severity::Critical,
        &package("arrayref"),
        "Cargo.lock",
        "Malicious code in arrayref | <script> `x` [y]",
    );
    malicious.id = Some("MAL-2026-7".into());
    malicious.url = Some("https://osv.dev/vulnerability/MAL-2026-7".into());
    let mut vulnerable = Finding::for_package(
        "vulnerability",
        Severity::Medium,
        &package("time"),
        "Cargo.lock",
        "Potential segfault in the time crate",
    );
    vulnerable.id = Some("RUSTSEC-2020-0071".into());
    let squat = Finding::for_package(
        "typosquat",
        Severity::Info,
        &package("proc-macro1"),
        "Cargo.lock",
        "proc-macro1 looks like a typosquat of the popular crates.io package `proc-macro2`",
    );
    review::attach_findings(&mut diffs, &[], &[malicious, vulnerable, squat]);
    review::source_findings(&mut diffs);
    // arrayref's new build.rs, as `--deep` reports it.
    let hook = serde_json::from_value(serde_json::json!({
        "phase": "build.rs",
        "entry_files": ["build.rs"],
        "evidence": { "path": "Cargo.toml", "line": 1 }
    }))
    .unwrap();
    let reason = serde_json::from_value(serde_json::json!({
        "rule": "download-exec", "file": "build.rs", "line": 2, "why": "downloads and runs a binary",
        "phase": "install", "points": 80
    }))
    .unwrap();
    let old = tollgate_analysis::PackageFiles::default();
    let new = tollgate_analysis::PackageFiles::from_entries([(
        "build.rs".to_owned(),
        b"fn main() {\n    let _ = \"```\"; std::process::Command::new(\"curl\");\n}\n".to_vec(),
    )]);
    let paths = ["build.rs".to_owned()].into_iter().collect();
    diffs[0].changes[0].install_code = Some(tollgate_diff::CodeChange {
        old_verdict: None,
        new_verdict: tollgate_analysis::VerdictLevel::Malicious,
        new_score: 95,
        old_code_digest: None,
        new_code_digest: Some("sha256:00".into()),
        new_hooks: vec![hook],
        new_reasons: vec![reason],
        files: review::file_diffs(&paths, Some(&old), &new),
    });
    // The base's policy applied, and the head edits it.
    diffs[0].policy = Some("tollgate.toml".into());
    diffs[0].policy_revision = Some("main (0123456789ab)".into());
    DiffReport {
        base: "main (0123456789ab)".into(),
        head: "working tree".into(),
        summary: Summary::of(&diffs),
        lockfiles: diffs,
        notes: vec!["registry metadata not consulted".into()],
        warnings: vec![policy_changed("tollgate.toml")],
        ..DiffReport::default()
    }
}

/// A `policy-changed` warning for `path`, as the CLI words it.
fn policy_changed(path: &str) -> FileError {
    FileError {
        code: Some("policy-changed".into()),
        path: path.into(),
        line: None,
        column: None,
        message: "the policy changed between main (0123456789ab) and working tree; this diff \
                  applies the base's policy files (main (0123456789ab)), so review the policy \
                  change itself"
            .into(),
    }
}

#[test]
fn markdown() {
    let mut out = Vec::new();
    tollgate_report::diff::write_markdown(&mut out, &report()).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn table() {
    let mut out = Vec::new();
    tollgate_report::diff::write_table(&mut out, &report()).unwrap();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn a_huge_diff_stays_below_the_comment_limit() {
    let mut report = report();
    let change = report.lockfiles[0].changes[0].clone();
    report.lockfiles[0].changes = vec![change; 3000];
    report.summary = Summary::of(&report.lockfiles);
    report.warnings = (0..3000)
        .map(|n| policy_changed(&format!("p{n}/tollgate.toml")))
        .collect();
    let mut out = Vec::new();
    tollgate_report::diff::write_markdown(&mut out, &report).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.chars().count() < MAX_MARKDOWN_CHARS, "{}", text.len());
    assert!(text.contains("3000 upgraded"), "the summary is kept");
    assert!(text.contains("more changes not shown"), "and the pointer");
    assert!(text.contains("- `tollgate.toml at main (0123456789ab)` for `Cargo.lock`"));
    assert!(text.contains("**policy changed:** `p0/tollgate.toml`"));
}
