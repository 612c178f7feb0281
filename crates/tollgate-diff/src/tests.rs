//! The comparison on small lockfiles of each ecosystem, written for these tests.

use tollgate_lockfile::{Inventory, parse_str};
use tollgate_model::{Finding, LockfileFormat, Severity, Source};

use std::collections::BTreeSet;

use super::*;

fn inventory(path: &str, text: &str, format: LockfileFormat) -> Inventory {
    Inventory {
        lockfiles: vec![parse_str(path, text, format).unwrap()],
        errors: Vec::new(),
    }
}

fn npm_lock(packages: &[(&str, &str, &str)]) -> String {
    let mut entries = vec![r#""": { "name": "app", "version": "1.0.0" }"#.to_owned()];
    for (path, version, resolved) in packages {
        entries.push(format!(
            r#""{path}": {{ "version": "{version}", "resolved": "{resolved}" }}"#
        ));
    }
    format!(
        r#"{{ "name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": {{ {} }} }}"#,
        entries.join(", ")
    )
}

fn registry(name: &str, version: &str) -> String {
    format!("https://registry.npmjs.org/{name}/-/{name}-{version}.tgz")
}

/// (kind, name, old, new) of every change.
fn summary(diffs: &[LockfileDiff]) -> Vec<(ChangeKind, String, Option<String>, Option<String>)> {
    diffs
        .iter()
        .flat_map(|d| &d.changes)
        .map(|c| {
            (
                c.kind,
                c.name.clone(),
                c.old_version.clone(),
                c.new_version.clone(),
            )
        })
        .collect()
}

fn some(text: &str) -> Option<String> {
    Some(text.to_owned())
}

#[test]
fn npm_added_removed_upgraded_downgraded_and_moved_to_git() {
    let base = npm_lock(&[
        (
            "node_modules/left-pad",
            "1.0.0",
            &registry("left-pad", "1.0.0"),
        ),
        (
            "node_modules/lodash",
            "4.17.20",
            &registry("lodash", "4.17.20"),
        ),
        ("node_modules/chalk", "5.0.0", &registry("chalk", "5.0.0")),
        ("node_modules/debug", "4.3.4", &registry("debug", "4.3.4")),
    ]);
    let head = npm_lock(&[
        (
            "node_modules/lodash",
            "4.17.21",
            &registry("lodash", "4.17.21"),
        ),
        ("node_modules/chalk", "4.1.2", &registry("chalk", "4.1.2")),
        (
            "node_modules/debug",
            "4.3.4",
            "git+ssh://git@github.com/evil/debug.git#0123456789abcdef0123456789abcdef01234567",
        ),
        ("node_modules/axios", "1.14.1", &registry("axios", "1.14.1")),
    ]);
    let diffs = compare(
        &inventory("package-lock.json", &base, LockfileFormat::PackageLock),
        &inventory("package-lock.json", &head, LockfileFormat::PackageLock),
    );
    assert_eq!(diffs.len(), 1);
    assert_eq!(diffs[0].status, FileStatus::Modified);
    assert_eq!(
        summary(&diffs),
        [
            (ChangeKind::Added, "axios".into(), None, some("1.14.1")),
            (
                ChangeKind::Downgraded,
                "chalk".into(),
                some("5.0.0"),
                some("4.1.2")
            ),
            (
                ChangeKind::SourceChanged,
                "debug".into(),
                some("4.3.4"),
                some("4.3.4")
            ),
            (ChangeKind::Removed, "left-pad".into(), some("1.0.0"), None),
            (
                ChangeKind::Upgraded,
                "lodash".into(),
                some("4.17.20"),
                some("4.17.21")
            ),
        ]
    );
    let debug = &diffs[0].changes[2];
    assert!(debug.source_changed);
    assert!(matches!(debug.old_source, Some(Source::Registry { .. })));
    assert!(
        matches!(debug.new_source, Some(Source::Git { .. })),
        "{:?}",
        debug.new_source
    );
    let counts = Summary::of(&diffs);
    assert_eq!(
        (
            counts.added,
            counts.removed,
            counts.upgraded,
            counts.downgraded,
            counts.source_changed
        ),
        (1, 1, 1, 1, 1)
    );
}

#[test]
fn npm_nested_versions_pair_in_order() {
    let base = npm_lock(&[
        ("node_modules/ms", "2.0.0", &registry("ms", "2.0.0")),
        (
            "node_modules/debug/node_modules/ms",
            "2.1.2",
            &registry("ms", "2.1.2"),
        ),
    ]);
    let head = npm_lock(&[
        ("node_modules/ms", "2.0.0", &registry("ms", "2.0.0")),
        (
            "node_modules/debug/node_modules/ms",
            "2.1.3",
            &registry("ms", "2.1.3"),
        ),
        (
            "node_modules/send/node_modules/ms",
            "3.0.0",
            &registry("ms", "3.0.0"),
        ),
    ]);
    let diffs = compare(
        &inventory("package-lock.json", &base, LockfileFormat::PackageLock),
        &inventory("package-lock.json", &head, LockfileFormat::PackageLock),
    );
    assert_eq!(
        summary(&diffs),
        [
            (
                ChangeKind::Upgraded,
                "ms".into(),
                some("2.1.2"),
                some("2.1.3")
            ),
            (ChangeKind::Added, "ms".into(), None, some("3.0.0")),
        ]
    );
}

fn uv_lock(packages: &[(&str, &str, &str)]) -> String {
    let mut text = String::from("version = 1\nrevision = 2\nrequires-python = \">=3.11\"\n");
    for (name, version, source) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = {source}\n"
        ));
    }
    text
}

const PYPI: &str = r#"{ registry = "https://pypi.org/simple" }"#;

#[test]
fn pypi_uses_pep440_order_and_normalized_names() {
    // 1.10 > 1.9 under PEP 440 (a string comparison says otherwise); 2.0rc1 < 2.0.
    let base = uv_lock(&[
        ("Requests", "2.0rc1", PYPI),
        ("idna", "1.9", PYPI),
        ("six", "1.16.0", PYPI),
    ]);
    let head = uv_lock(&[
        ("requests", "2.0", PYPI),
        ("idna", "1.10", PYPI),
        (
            "six",
            "1.16.0",
            r#"{ git = "https://github.com/x/six?rev=abc#0123456789abcdef0123456789abcdef01234567" }"#,
        ),
        ("urllib3", "2.2.0", PYPI),
    ]);
    let diffs = compare(
        &inventory("uv.lock", &base, LockfileFormat::UvLock),
        &inventory("uv.lock", &head, LockfileFormat::UvLock),
    );
    assert_eq!(
        summary(&diffs),
        [
            (
                ChangeKind::Upgraded,
                "idna".into(),
                some("1.9"),
                some("1.10")
            ),
            (
                ChangeKind::Upgraded,
                "requests".into(),
                some("2.0rc1"),
                some("2.0")
            ),
            (
                ChangeKind::SourceChanged,
                "six".into(),
                some("1.16.0"),
                some("1.16.0")
            ),
            (ChangeKind::Added, "urllib3".into(), None, some("2.2.0")),
        ]
    );
}

fn cargo_lock(packages: &[(&str, &str, Option<&str>)]) -> String {
    let mut text = String::from("version = 4\n");
    for (name, version, source) in packages {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\n"
        ));
        if let Some(source) = source {
            text.push_str(&format!("source = \"{source}\"\n"));
        }
    }
    text
}

const CRATES: Option<&str> = Some("registry+https://github.com/rust-lang/crates.io-index");

#[test]
fn cargo_semver_prereleases_and_removed_lockfiles() {
    let base = cargo_lock(&[
        ("app", "0.1.0", None),
        ("serde", "1.0.200", CRATES),
        ("rand", "0.9.0-beta.1", CRATES),
        ("arrayref", "0.3.7", CRATES),
    ]);
    let head = cargo_lock(&[
        ("app", "0.1.0", None),
        ("serde", "1.0.199", CRATES),
        ("rand", "0.9.0", CRATES),
        (
            "arrayref",
            "0.3.9",
            Some("git+https://github.com/evil/arrayref#0123456789abcdef0123456789abcdef01234567"),
        ),
    ]);
    let base = inventory("Cargo.lock", &base, LockfileFormat::CargoLock);
    let head = inventory("Cargo.lock", &head, LockfileFormat::CargoLock);
    let diffs = compare(&base, &head);
    assert_eq!(
        summary(&diffs),
        [
            (
                ChangeKind::Upgraded,
                "arrayref".into(),
                some("0.3.7"),
                some("0.3.9")
            ),
            (
                ChangeKind::Upgraded,
                "rand".into(),
                some("0.9.0-beta.1"),
                some("0.9.0")
            ),
            (
                ChangeKind::Downgraded,
                "serde".into(),
                some("1.0.200"),
                some("1.0.199")
            ),
        ]
    );
    let arrayref = &diffs[0].changes[0];
    assert!(
        arrayref.source_changed,
        "an upgrade that also left the registry"
    );

    // The whole lockfile removed: every package is a removal.
    let gone = compare(&base, &Inventory::default());
    assert_eq!(gone[0].status, FileStatus::Removed);
    assert!(
        gone[0]
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Removed)
    );
    assert_eq!(gone[0].changes.len(), base.package_count());
    // Identical sides: nothing.
    assert!(compare(&base, &base).is_empty());
}

fn finding(change: &PackageChange, old: bool, code: &str, id: &str, summary: &str) -> Finding {
    let (version, purl) = if old {
        (&change.old_version, &change.old_purl)
    } else {
        (&change.new_version, &change.new_purl)
    };
    let mut package =
        tollgate_model::Package::new(change.ecosystem, &change.name, version.clone().unwrap());
    package.purl = purl.clone().unwrap();
    let mut finding = Finding::for_package(code, Severity::High, &package, "Cargo.lock", summary);
    finding.id = Some(id.to_owned());
    finding
}

#[test]
fn findings_are_new_resolved_or_unchanged_and_sources_are_flagged() {
    let base = inventory(
        "Cargo.lock",
        &cargo_lock(&[("arrayref", "0.3.7", CRATES), ("time", "0.3.0", CRATES)]),
        LockfileFormat::CargoLock,
    );
    let head = inventory(
        "Cargo.lock",
        &cargo_lock(&[
            (
                "arrayref",
                "0.3.9",
                Some(
                    "git+https://github.com/evil/arrayref#0123456789abcdef0123456789abcdef01234567",
                ),
            ),
            ("time", "0.3.36", CRATES),
        ]),
        LockfileFormat::CargoLock,
    );
    let mut diffs = compare(&base, &head);
    let (old_side, new_side) = changed_packages(&base, &head, &diffs);
    assert_eq!(old_side.package_count(), 2);
    assert_eq!(new_side.package_count(), 2);
    let arrayref = diffs[0].changes[0].clone();
    let time = diffs[0].changes[1].clone();
    let base_findings = vec![
        finding(
            &time,
            true,
            "vulnerability",
            "RUSTSEC-2020-0071",
            "segfault in time",
        ),
        finding(
            &arrayref,
            true,
            "vulnerability",
            "RUSTSEC-1",
            "shared by both versions",
        ),
        finding(
            &arrayref,
            true,
            "cooldown",
            "cooldown",
            "arrayref 0.3.7 is 2 days old",
        ),
    ];
    let head_findings = vec![
        finding(
            &arrayref,
            false,
            "vulnerability",
            "RUSTSEC-1",
            "shared by both versions",
        ),
        finding(
            &arrayref,
            false,
            "malicious",
            "MAL-2026-1",
            "arrayref 0.3.9 is malware",
        ),
        finding(
            &arrayref,
            false,
            "cooldown",
            "cooldown",
            "arrayref 0.3.9 is 2 days old",
        ),
    ];
    review::attach_findings(&mut diffs, &base_findings, &head_findings);
    review::source_findings(&mut diffs);
    let codes = |list: &[Finding]| list.iter().map(|f| f.code.clone()).collect::<Vec<_>>();
    let arrayref = &diffs[0].changes[0];
    assert_eq!(
        codes(&arrayref.new_findings),
        ["malicious", "source-changed"]
    );
    assert!(
        arrayref.new_findings[1]
            .summary
            .contains("git https://github.com/evil/arrayref")
    );
    assert!(arrayref.resolved_findings.is_empty());
    let time = &diffs[0].changes[1];
    assert!(time.new_findings.is_empty());
    assert_eq!(codes(&time.resolved_findings), ["vulnerability"]);
    let report = DiffReport {
        summary: Summary::of(&diffs),
        lockfiles: diffs,
        ..DiffReport::default()
    };
    assert_eq!(
        (
            report.summary.new_findings,
            report.summary.resolved_findings
        ),
        (2, 1)
    );
    assert_eq!(report.new_findings().count(), 2);
}

#[test]
fn license_changes_need_both_sides() {
    let base = inventory(
        "Cargo.lock",
        &cargo_lock(&[("a", "1.0.0", CRATES), ("b", "1.0.0", CRATES)]),
        LockfileFormat::CargoLock,
    );
    let head = inventory(
        "Cargo.lock",
        &cargo_lock(&[("a", "1.1.0", CRATES), ("b", "1.1.0", CRATES)]),
        LockfileFormat::CargoLock,
    );
    let mut diffs = compare(&base, &head);
    review::license_changes(&mut diffs, |change| match change.name.as_str() {
        "a" => (some("MIT"), some("BUSL-1.1")),
        _ => (some("MIT"), None),
    });
    let a = &diffs[0].changes[0];
    assert_eq!(
        a.license,
        Some(LicenseChange {
            old: "MIT".into(),
            new: "BUSL-1.1".into()
        })
    );
    assert_eq!(a.new_findings[0].code, "license-changed");
    assert!(diffs[0].changes[1].license.is_none());
}

/// Runs git in `dir` with a fixed identity, and asserts that it succeeded.
fn run_git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
}

#[test]
fn policy_files_are_read_at_a_revision_nearest_first() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| run_git(dir.path(), args);
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    git(&["init", "-q", "-b", "main"]);
    write("tollgate.toml", "# root v1\n");
    write("web/tollgate.toml", "# web v1\n");
    write("web/app/package-lock.json", "{}");
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "one"]);
    // The head loosens the web policy and adds one for `api`; the root file stays.
    write("web/tollgate.toml", "# web v2\n");
    write("api/tollgate.toml", "# api\n");
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "two"]);
    let repo = git::Repo::discover(dir.path()).unwrap();
    let base = repo
        .policy_files(Some(&repo.resolve("HEAD~1").unwrap()))
        .unwrap();
    let head = repo
        .policy_files(Some(&repo.resolve("HEAD").unwrap()))
        .unwrap();
    assert_eq!(
        base.nearest("web/app/package-lock.json"),
        Some(("web/tollgate.toml", b"# web v1\n".as_slice()))
    );
    assert_eq!(
        head.nearest("web/app/package-lock.json"),
        Some(("web/tollgate.toml", b"# web v2\n".as_slice()))
    );
    // `api` has no file at the base: the root's applies there; a name that merely ends
    // like a folder (`xapi`) does not match `api`.
    assert_eq!(
        base.nearest("api/uv.lock").map(|f| f.0),
        Some("tollgate.toml")
    );
    assert_eq!(
        head.nearest("api/uv.lock").map(|f| f.0),
        Some("api/tollgate.toml")
    );
    assert_eq!(
        head.nearest("xapi/uv.lock").map(|f| f.0),
        Some("tollgate.toml")
    );
    assert_eq!(
        head.nearest("Cargo.lock").map(|f| f.0),
        Some("tollgate.toml")
    );
    assert_eq!(
        base.changed(&head),
        ["api/tollgate.toml", "web/tollgate.toml"]
    );
    // The working tree equals HEAD, and a side without any policy finds none.
    assert!(head.changed(&repo.policy_files(None).unwrap()).is_empty());
    assert_eq!(git::PolicyFiles::default().nearest("web/Cargo.lock"), None);
}

#[test]
fn revisions_that_read_as_options_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| run_git(dir.path(), args);
    git(&["init", "-q", "-b", "main"]);
    std::fs::write(
        dir.path().join("Cargo.lock"),
        cargo_lock(&[("a", "1.0.0", CRATES)]),
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a lockfile").unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "one"]);
    let repo = git::Repo::discover(dir.path()).unwrap();
    for bad in ["--output=/tmp/x", "-p", "", "HEAD\n--all"] {
        assert!(
            matches!(repo.resolve(bad), Err(DiffError::BadRevision { .. })),
            "{bad:?}"
        );
    }
    assert!(matches!(
        repo.resolve("no-such-branch"),
        Err(DiffError::BadRevision { .. })
    ));
    let head = repo.resolve("HEAD").unwrap();
    assert_eq!(head.len(), 40);
    let files = repo.lockfiles_at(&head).unwrap();
    assert_eq!(
        files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(),
        ["Cargo.lock"]
    );
    assert_eq!(repo.default_base().unwrap(), head);
    let inventory = git::parse_all(&files);
    assert_eq!(inventory.package_count(), 1);
}

#[test]
fn install_time_files_diff_only_when_changed() {
    use tollgate_analysis::PackageFiles;
    let files = |entries: &[(&str, &[u8])]| {
        PackageFiles::from_entries(
            entries
                .iter()
                .map(|(p, c)| (format!("package/{p}"), c.to_vec())),
        )
    };
    let old = files(&[
        ("install.js", b"console.log('hi')\n"),
        ("same.js", b"x\n"),
        ("index.js", b"a\n"),
    ]);
    let new = files(&[
        (
            "install.js",
            b"console.log('hi')\nrequire('child_process').exec(atob(p))\n",
        ),
        ("same.js", b"x\n"),
        ("index.js", b"b\n"),
        ("dropper.bin", b"\xff\xfe"),
    ]);
    let paths: BTreeSet<String> = ["install.js", "same.js", "dropper.bin", "gone.js"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let diffs = review::file_diffs(&paths, Some(&old), &new);
    let summary: Vec<(&str, FileStatus)> =
        diffs.iter().map(|d| (d.path.as_str(), d.status)).collect();
    // index.js changed but runs at no install hook: not shown; same.js did not change.
    assert_eq!(
        summary,
        [
            ("dropper.bin", FileStatus::Added),
            ("install.js", FileStatus::Modified)
        ]
    );
    assert_eq!(diffs[0].diff, "binary files differ\n");
    assert!(
        diffs[1]
            .diff
            .starts_with("--- a/install.js\n+++ b/install.js\n@@"),
        "{}",
        diffs[1].diff
    );
    assert!(
        diffs[1]
            .diff
            .contains("\n+require('child_process').exec(atob(p))\n"),
        "{}",
        diffs[1].diff
    );
    // An added package: every install-time file is new.
    let added = review::file_diffs(&paths, None, &new);
    assert!(
        added
            .iter()
            .any(|d| d.path == "install.js" && d.status == FileStatus::Added)
    );
    // A huge file is cut.
    let big = "x\n".repeat(20_000);
    let huge = files(&[("install.js", big.as_bytes())]);
    let cut = review::file_diffs(&paths, Some(&old), &huge);
    assert!(cut[0].diff.len() <= review::MAX_FILE_DIFF_BYTES + 64);
    assert!(cut[0].diff.ends_with("[diff cut: longer than 16 KiB]\n"));
}
