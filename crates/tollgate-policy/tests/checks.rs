//! Every check on real lockfiles (see `fixtures/README.md`), each with a policy that makes
//! it fire and one that does not.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use tollgate_model::{Ecosystem, Finding, Severity};
use tollgate_policy::{Config, Context, InMemoryMetadata, MetadataSource, Offline};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_str("2026-07-15T00:00:00Z").unwrap()
}

fn run_with(fixture_name: &str, policy: &str, metadata: &dyn MetadataSource) -> Vec<Finding> {
    let inventory = tollgate_lockfile::inventory(&[fixture(fixture_name)]);
    assert!(inventory.errors.is_empty(), "{:?}", inventory.errors);
    let config = Config::parse("tollgate.toml", policy).unwrap();
    tollgate_policy::run_checks(&inventory, &config, &Context::new(metadata, now()))
}

fn run(fixture_name: &str, policy: &str) -> Vec<Finding> {
    run_with(fixture_name, policy, &Offline)
}

fn codes(findings: &[Finding]) -> Vec<(&str, &str)> {
    findings
        .iter()
        .map(|f| (f.code.as_str(), f.name.as_deref().unwrap_or("")))
        .collect()
}

#[test]
fn bans_deny_with_range_reason_and_evidence() {
    let policy = "[bans]\ndeny = [\n  { ecosystem = \"crates.io\", name = \"clap\", version = \">=4.4, <5\", reason = \"test ban\", use-instead = \"lexopt\" },\n  { ecosystem = \"crates.io\", name = \"syn\", version = \"<2\" },\n]\n";
    let findings = run("typomania", policy);
    let [finding] = findings.as_slice() else {
        panic!("{findings:#?}")
    };
    assert_eq!(finding.code, "bans");
    assert_eq!(finding.severity, Severity::High);
    assert_eq!(finding.id.as_deref(), Some("bans.deny"));
    assert!(finding.summary.contains("test ban") && finding.summary.contains("lexopt"));
    // Evidence: the lockfile line of the package and the policy line of the rule.
    assert!(finding.evidence[0].path.ends_with("Cargo.lock"));
    assert_eq!(finding.evidence[0].line, finding.line);
    assert!(finding.line.is_some());
    assert_eq!(finding.evidence[1].path, "tollgate.toml");
    assert_eq!(finding.evidence[1].line, Some(3));
}

#[test]
fn bans_allow_list_mode_reports_everything_else() {
    let policy = "[bans]\nallow = [{ ecosystem = \"npm\", name = \"left-pad\" }]\n";
    assert!(
        run("typomania", policy).is_empty(),
        "allow-list is per ecosystem"
    );
    let findings = run("scripts", policy);
    let not_allowed = findings
        .iter()
        .filter(|f| f.code == "bans-not-allowed")
        .count();
    assert_eq!(not_allowed, 34, "every package of the lock");
    let level_allow = "[bans]\nlevel = \"allow\"\nallow = [{ name = \"x\" }]\n[install-scripts]\nlevel = \"allow\"\n";
    assert!(run("scripts", level_allow).is_empty());
}

#[test]
fn sources_git_hosts_and_pins() {
    let findings = run("commits", "");
    let hosts = findings
        .iter()
        .filter(|f| f.code == "sources-git-host")
        .count();
    assert_eq!(hosts, 12, "{:#?}", codes(&findings));
    let allowed = "[sources]\ngit = [\"github.com/jonschlinkert\", \"github.com/segmentio\", \"gitlab.com\", \"github.com/getsentry\", \"github.com/brianfryer\"]\n";
    assert!(
        run("commits", allowed).is_empty(),
        "all pinned to full commits"
    );
    let findings = run("uv-git", "");
    assert_eq!(codes(&findings), [("sources-git-host", "ruff")]);
    assert!(run("uv-git", "[sources]\ngit = [\"github.com/astral-sh\"]\n").is_empty());
}

#[test]
fn sources_path_and_registry() {
    let findings = run("files", "");
    assert_eq!(codes(&findings), [("sources-path", "deps/etag")]);
    assert!(run("files", "[sources]\nallow-path = true\n").is_empty());
    let findings = run(
        "uv-benchmark",
        "[sources]\nregistries = { pypi = [\"https://pypi.internal.example/simple\"] }\n",
    );
    assert_eq!(
        codes(&findings),
        [
            ("sources-registry", "emoji"),
            ("sources-registry", "protobuf")
        ]
    );
    assert!(run("uv-benchmark", "").is_empty());
}

#[test]
fn hashes_requirements_without_hash() {
    let findings = run("pip-licenses", "[hashes]\nlevel = \"deny\"\n");
    assert_eq!(findings.len(), 3);
    assert!(
        findings
            .iter()
            .all(|f| f.code == "hashes-requirements" && f.severity == Severity::High)
    );
    let excluded = "[hashes]\nexclude = [{ ecosystem = \"PyPI\", name = \"tomli\" }, { ecosystem = \"PyPI\", name = \"wcwidth\" }, { ecosystem = \"PyPI\", name = \"PrettyTable\" }]\n";
    assert!(run("pip-licenses", excluded).is_empty());
    assert!(
        run("typomania", "").is_empty(),
        "every crate has a checksum"
    );
}

#[test]
fn hashes_manifest_without_lockfile() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("app/packages/ui")).unwrap();
    std::fs::write(dir.path().join("app/package.json"), "{}").unwrap();
    std::fs::write(dir.path().join("app/packages/ui/package.json"), "{}").unwrap();
    std::fs::write(dir.path().join("app/Cargo.toml"), "").unwrap();
    std::fs::write(dir.path().join("app/package-lock.json"), "{}").unwrap();
    let config = Config::default();
    let roots = [dir.path().to_path_buf()];
    let findings = tollgate_policy::run_project_checks(&roots, &Default::default(), &config, now());
    // The workspace member is covered by the root lockfile; Cargo.toml is not.
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].code, "hashes-no-lockfile");
    assert!(
        findings[0]
            .lockfile
            .as_deref()
            .unwrap()
            .ends_with("Cargo.toml")
    );
}

#[test]
fn install_scripts_allow_list() {
    let findings = run("scripts", "");
    assert_eq!(
        codes(&findings),
        [
            ("install-scripts", "pre-commit"),
            ("install-scripts", "spawn-sync")
        ]
    );
    assert_eq!(findings[0].severity, Severity::Info, "warn by default");
    let allowed = "[install-scripts]\nallow = [{ ecosystem = \"npm\", name = \"pre-commit\", version = \"^1.2\" }, { ecosystem = \"npm\", name = \"spawn-sync\" }]\n";
    assert!(run("scripts", allowed).is_empty());
    let wrong_range = "[install-scripts]\nallow = [{ ecosystem = \"npm\", name = \"pre-commit\", version = \">=2\" }, { ecosystem = \"npm\", name = \"spawn-sync\" }]\n";
    assert_eq!(
        codes(&run("scripts", wrong_range)),
        [("install-scripts", "pre-commit")]
    );
}

#[test]
fn install_scripts_changed_digest() {
    struct Digests;
    impl tollgate_policy::InstallCodeSource for Digests {
        fn install_code(
            &self,
            _: &tollgate_model::Lockfile,
            package: &tollgate_model::Package,
        ) -> Option<tollgate_policy::InstallCode> {
            (package.install.has_install_script == Some(true)).then(|| {
                tollgate_policy::InstallCode {
                    reason: "postinstall".into(),
                    digest: Some(format!("sha256:{}", "b".repeat(64))),
                    evidence: Vec::new(),
                }
            })
        }
    }
    let policy = format!(
        "[install-scripts]\nallow = [{{ ecosystem = \"npm\", name = \"pre-commit\", digest = \"sha256:{}\" }}, {{ ecosystem = \"npm\", name = \"spawn-sync\", digest = \"sha256:{}\" }}]\n",
        "a".repeat(64),
        "b".repeat(64)
    );
    let inventory = tollgate_lockfile::inventory(&[fixture("scripts")]);
    let config = Config::parse("tollgate.toml", &policy).unwrap();
    let mut context = Context::new(&Offline, now());
    context.install_code = &Digests;
    let findings = tollgate_policy::run_checks(&inventory, &config, &context);
    assert_eq!(
        codes(&findings),
        [("install-scripts-changed", "pre-commit")]
    );
}

#[test]
fn licenses_from_the_lock() {
    let policy = "[licenses]\nallow = [\"Apache-2.0\"]\nunknown = \"deny\"\n";
    let findings = run("commits", policy);
    let denied = findings
        .iter()
        .filter(|f| f.code == "licenses-denied")
        .count();
    let unknown: Vec<_> = findings
        .iter()
        .filter(|f| f.code == "licenses-unknown")
        .collect();
    assert_eq!(denied, 10, "{:#?}", codes(&findings));
    // `SEE LICENSE IN LICENSE` is not SPDX; three packages have no license field.
    assert_eq!(unknown.len(), 4);
    let ok = "[sources]\nlevel = \"allow\"\n[licenses]\nallow = [\"MIT\"]\nunknown = \"allow\"\n";
    assert!(run("commits", ok).is_empty());
    let clarified = "[sources]\nlevel = \"allow\"\n[licenses]\nallow = [\"MIT\"]\nunknown = \"deny\"\nclarify = [\n  { ecosystem = \"npm\", name = \"raven-js\", expression = \"BSD-2-Clause OR MIT\" },\n  { ecosystem = \"npm\", name = \"@segment/*\", expression = \"MIT\" },\n  { name = \"ansi-styles\", expression = \"MIT\" },\n  { name = \"postcss-calc\", expression = \"MIT\" },\n]\n";
    assert!(run("commits", clarified).is_empty());
}

#[test]
fn licenses_from_metadata_and_exceptions() {
    let mut metadata = InMemoryMetadata::default();
    metadata.insert(
        Ecosystem::CratesIo,
        "itertools",
        "0.11.0",
        None,
        Some("MIT OR Apache-2.0"),
    );
    metadata.insert(Ecosystem::CratesIo, "strsim", "0.10.0", None, Some("MIT"));
    let policy = "[licenses]\nallow = [\"Apache-2.0\"]\nunknown = \"allow\"\n";
    let findings = run_with("typomania", policy, &metadata);
    assert_eq!(codes(&findings), [("licenses-denied", "strsim")]);
    let excepted = "[licenses]\nallow = [\"Apache-2.0\"]\nunknown = \"allow\"\nexceptions = [{ ecosystem = \"crates.io\", name = \"strsim\", allow = [\"MIT\"] }]\n";
    assert!(run_with("typomania", excepted, &metadata).is_empty());
}

#[test]
fn cooldown_from_lock_upload_times() {
    // anyio 4.14.2 was uploaded 2026-07-12, three days before `now()`.
    let findings = run("uv-upload-time", "[cooldown]\nminimum-release-age = 7\n");
    assert_eq!(codes(&findings), [("cooldown", "anyio")]);
    assert!(
        findings[0].summary.contains("2.1 days ago"),
        "{}",
        findings[0].summary
    );
    assert!(run("uv-upload-time", "[cooldown]\nminimum-release-age = 2\n").is_empty());
    assert!(
        run(
            "uv-upload-time",
            "[cooldown]\nminimum-release-age = 7\nexclude = [\"any*\"]\n"
        )
        .is_empty()
    );
}

#[test]
fn cooldown_from_metadata() {
    let mut metadata = InMemoryMetadata::default();
    let published = jiff::Timestamp::from_str("2026-07-14T12:00:00Z").unwrap();
    metadata.insert(
        Ecosystem::CratesIo,
        "itertools",
        "0.11.0",
        Some(published),
        None,
    );
    let findings = run_with(
        "typomania",
        "[cooldown]\nminimum-release-age = 1\n",
        &metadata,
    );
    assert_eq!(codes(&findings), [("cooldown", "itertools")]);
}

#[test]
fn cooldown_package_manager_settings_disagree() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pnpm-lock.yaml"),
        "lockfileVersion: '9.0'\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pnpm-workspace.yaml"),
        "packages:\n  - a\nminimumReleaseAge: 1440\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("uv.lock"), "version = 1\n").unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\n\n[tool.uv]\nexclude-newer = \"P14D\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".yarnrc.yml"), "nodeLinker: pnp\n").unwrap();
    let config = Config::parse(
        "tollgate.toml",
        "[hashes]\nrequire-lockfile = false\n[cooldown]\nminimum-release-age = 7\n",
    )
    .unwrap();
    let findings = tollgate_policy::run_project_checks(
        &[dir.path().to_path_buf()],
        &Default::default(),
        &config,
        now(),
    );
    let summaries: Vec<&str> = findings.iter().map(|f| f.summary.as_str()).collect();
    assert_eq!(findings.len(), 2, "{summaries:#?}");
    assert!(summaries[0].contains("minimumReleaseAge") && summaries[0].contains("1.0 days"));
    assert_eq!(findings[0].line, Some(3));
    assert!(summaries[1].contains("npmMinimalAgeGate") && summaries[1].contains("not set"));
}

#[test]
fn names_typosquats_and_unknown_names() {
    let inventory = tollgate_lockfile::parse_str(
        "Cargo.lock",
        "version = 3\n\n[[package]]\nname = \"proc-macro1\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
        tollgate_model::LockfileFormat::CargoLock,
    )
    .unwrap();
    let inventory = tollgate_lockfile::Inventory {
        lockfiles: vec![inventory],
        errors: Vec::new(),
    };
    let mut metadata = InMemoryMetadata::default();
    metadata.complete = true;
    metadata.insert(Ecosystem::CratesIo, "serde", "1.0.0", None, None);
    let config = Config::parse("tollgate.toml", "[names]\nlevel = \"deny\"\n").unwrap();
    let findings =
        tollgate_policy::run_checks(&inventory, &config, &Context::new(&metadata, now()));
    assert_eq!(
        codes(&findings),
        [
            ("names-typosquat", "proc-macro1"),
            ("names-not-found", "proc-macro1")
        ]
    );
    assert!(findings[0].summary.contains("proc-macro2"));
    let allowed = Config::parse("tollgate.toml", "[names]\nallow = [\"proc-macro1\"]\n").unwrap();
    assert!(
        tollgate_policy::run_checks(&inventory, &allowed, &Context::new(&metadata, now()))
            .is_empty()
    );
}

/// An affixed name (`tree-sitter-rust`) is a typosquat candidate of the popular base name
/// (`tree-sitter`) on its own, but not when the base package is locked beside it: then it
/// is that project's companion crate.
#[test]
fn names_affix_next_to_its_base_package_is_a_companion() {
    let package = |name: &str| {
        format!(
            "[[package]]\nname = \"{name}\"\nversion = \"0.23.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n\n"
        )
    };
    let inventory_of = |names: &[&str]| {
        let text = format!(
            "version = 3\n\n{}",
            names.iter().map(|n| package(n)).collect::<String>()
        );
        tollgate_lockfile::Inventory {
            lockfiles: vec![
                tollgate_lockfile::parse_str(
                    "Cargo.lock",
                    &text,
                    tollgate_model::LockfileFormat::CargoLock,
                )
                .unwrap(),
            ],
            errors: Vec::new(),
        }
    };
    let config = Config::parse(
        "tollgate.toml",
        "[names]\nlevel = \"deny\"\ncheck-exists = false\n",
    )
    .unwrap();
    let metadata = InMemoryMetadata::default();
    let alone = tollgate_policy::run_checks(
        &inventory_of(&["tree-sitter-rust"]),
        &config,
        &Context::new(&metadata, now()),
    );
    assert_eq!(codes(&alone), [("names-typosquat", "tree-sitter-rust")]);
    let with_base = tollgate_policy::run_checks(
        &inventory_of(&["tree-sitter", "tree-sitter-rust"]),
        &config,
        &Context::new(&metadata, now()),
    );
    assert!(with_base.is_empty(), "{:?}", codes(&with_base));
}

/// `[provenance]` on the typomania Cargo.lock: `no-downgrade` fires on a version without
/// provenance after an earlier one had it (never on an unknown one, never when only a later
/// version had it); `require` fires on none and on unknown, with the reason; a version with
/// provenance still gets every other finding.
#[test]
fn provenance_require_and_no_downgrade() {
    use tollgate_model::{Attestation, Provenance};
    let trusted = || Provenance::Present {
        attestations: vec![Attestation::CratesTrustedPublishing],
    };
    let mut metadata = InMemoryMetadata::default();
    let crates = Ecosystem::CratesIo;
    metadata.insert_provenance(crates, "itertools", "0.10.5", trusted());
    metadata.insert_provenance(crates, "itertools", "0.11.0", Provenance::Absent);
    metadata.insert_provenance(crates, "itertools", "0.12.0", trusted());
    metadata.insert_provenance(crates, "anstream", "0.6.3", trusted());
    metadata.insert_provenance(crates, "anstream", "0.6.4", Provenance::Unknown);
    metadata.insert_provenance(crates, "anstyle", "1.0.4", Provenance::Absent);
    metadata.insert_provenance(crates, "anstyle", "1.0.5", trusted());
    metadata.insert_provenance(crates, "clap", "4.4.7", trusted());
    metadata.insert(
        crates,
        "clap",
        "4.4.7",
        Some(jiff::Timestamp::from_str("2026-07-14T12:00:00Z").unwrap()),
        None,
    );

    let findings = run_with(
        "typomania",
        "[provenance]\nno-downgrade = true\n",
        &metadata,
    );
    assert_eq!(codes(&findings), [("provenance-downgrade", "itertools")]);
    assert_eq!(findings[0].severity, Severity::High);
    assert_eq!(findings[0].id.as_deref(), Some("provenance.no-downgrade"));
    assert!(
        findings[0].summary.contains("earlier version 0.10.5"),
        "{}",
        findings[0].summary
    );
    assert_eq!(findings[0].evidence[1].line, Some(2), "the policy line");

    let require = "[provenance]\nrequire = [{ name = \"anst*\" }, { ecosystem = \"crates.io\", name = \"clap\" }]\n";
    let findings = run_with("typomania", require, &metadata);
    let missing: Vec<(&str, &str)> = codes(&findings);
    assert!(
        missing.contains(&("provenance-missing", "anstyle")),
        "{missing:?}"
    );
    assert!(
        missing.contains(&("provenance-missing", "anstream")),
        "{missing:?}"
    );
    assert!(
        !missing.iter().any(|(_, name)| *name == "clap"),
        "{missing:?}"
    );
    let unknown = findings
        .iter()
        .find(|f| f.name.as_deref() == Some("anstream"))
        .unwrap();
    assert!(unknown.summary.contains("unknown"), "{}", unknown.summary);

    // Without registry metadata a required package fails closed, saying why.
    let offline = run(
        "typomania",
        "[provenance]\nlevel = \"warn\"\nrequire = [{ name = \"clap\" }]\n",
    );
    assert_eq!(codes(&offline), [("provenance-missing", "clap")]);
    assert_eq!(offline[0].severity, Severity::Info);
    assert!(
        offline[0].summary.contains("not consulted"),
        "{}",
        offline[0].summary
    );

    // Provenance never removes a finding: clap has it and is still too new.
    let both = run_with(
        "typomania",
        "[cooldown]\nminimum-release-age = 7\n[provenance]\nno-downgrade = true\n",
        &metadata,
    );
    assert!(
        codes(&both).contains(&("cooldown", "clap")),
        "{:?}",
        codes(&both)
    );

    // Off by default and with `level = "allow"`.
    assert!(run_with("typomania", "", &metadata).is_empty());
    assert!(
        run_with(
            "typomania",
            "[provenance]\nlevel = \"allow\"\nno-downgrade = true\n",
            &metadata
        )
        .is_empty()
    );
}
