//! The public audit sets of the corpus (`/tmp/corpus/audits`, unpacked by `.ci/run`), and
//! wasmtime's Cargo.lock against wasmtime's own store from the same commit. Skipped, with a
//! message, when the corpus is absent.
//!
//! Entry counts are checked against a count of the `[[table.` headers in the text: a count
//! that does not come from the parser under test.

use std::path::{Path, PathBuf};

use tollgate_trust::report::{StepKind, Verdict};
use tollgate_trust::{AuditsFile, ConfigFile, ImportsLock, Options, Store, evaluate};

const CORPUS: &str = "/tmp/corpus";

fn corpus() -> Option<PathBuf> {
    let path = Path::new(CORPUS);
    if path.join("audits").is_dir() {
        Some(path.to_path_buf())
    } else {
        eprintln!("skipped: no corpus at {CORPUS} (.ci/run unpacks it)");
        None
    }
}

/// Lines that open a table whose header starts with `prefix` (`[[audits.`).
fn headers(text: &str, prefix: &str) -> usize {
    text.lines().filter(|line| line.starts_with(prefix)).count()
}

/// `[[audits.PEER.SECTION.` headers of imports.lock, for any peer.
fn peer_headers(text: &str, section: &str) -> usize {
    text.lines()
        .filter_map(|line| line.strip_prefix("[[audits."))
        .filter_map(|rest| rest.split_once('.'))
        .filter(|(_, rest)| rest.starts_with(&format!("{section}.")))
        .count()
}

#[test]
fn every_public_audit_set_parses_and_every_entry_is_counted() {
    let Some(corpus) = corpus() else { return };
    let mut sets: Vec<PathBuf> = std::fs::read_dir(corpus.join("audits"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    sets.sort();
    assert_eq!(sets.len(), 6, "{sets:?}");
    let mut audit_entries = 0;
    for set in &sets {
        let audits_path = set.join("audits.toml");
        let text = std::fs::read_to_string(&audits_path).unwrap();
        let file = AuditsFile::parse(&audits_path.display().to_string(), &text)
            .unwrap_or_else(|e| panic!("{e}"));
        let counted = (
            file.audit_count(),
            file.wildcard_count(),
            file.trusted_count(),
            file.criteria.len(),
        );
        let expected = (
            headers(&text, "[[audits."),
            headers(&text, "[[wildcard-audits."),
            headers(&text, "[[trusted."),
            headers(&text, "[criteria."),
        );
        assert_eq!(counted, expected, "{}", audits_path.display());
        audit_entries += counted.0;
        eprintln!(
            "{}: {counted:?} (audits, wildcard audits, trusted, criteria)",
            set.display()
        );

        let config_path = set.join("config.toml");
        if let Ok(text) = std::fs::read_to_string(&config_path) {
            let config = ConfigFile::parse(&config_path.display().to_string(), &text)
                .unwrap_or_else(|e| panic!("{e}"));
            let import_tables = text
                .lines()
                .filter(|l| l.starts_with("[imports.") && !l.contains(".criteria-map]"))
                .count();
            assert_eq!(
                (
                    config.exemption_count(),
                    config.policy.len(),
                    config.imports.len()
                ),
                (
                    headers(&text, "[[exemptions."),
                    headers(&text, "[policy."),
                    import_tables
                ),
                "{}",
                config_path.display()
            );
        }
        let lock_path = set.join("imports.lock");
        if let Ok(text) = std::fs::read_to_string(&lock_path) {
            let lock = ImportsLock::parse(&lock_path.display().to_string(), &text)
                .unwrap_or_else(|e| panic!("{e}"));
            let peer_audits: usize = lock.peers.values().map(AuditsFile::audit_count).sum();
            let peer_wildcards: usize = lock.peers.values().map(AuditsFile::wildcard_count).sum();
            assert_eq!(
                (
                    lock.publisher_count(),
                    lock.unpublished_count(),
                    peer_audits,
                    peer_wildcards
                ),
                (
                    headers(&text, "[[publisher."),
                    headers(&text, "[[unpublished."),
                    peer_headers(&text, "audits"),
                    peer_headers(&text, "wildcard-audits")
                ),
                "{}",
                lock_path.display()
            );
            let store = Store::load(set).unwrap_or_else(|e| panic!("{e}"));
            assert!(store.warnings.is_empty(), "{:?}", store.warnings);
        }
    }
    // 130 + 771 + 245 + 2,173 + 1,515 + 968 audit entries in the six public sets.
    assert_eq!(audit_entries, 5802);
}

/// wasmtime runs `cargo vet --locked` in CI, so every crates.io package of its Cargo.lock
/// is vetted by its store from the same commit; the differences are explained below.
#[test]
fn wasmtime_lock_is_vetted_by_wasmtime_store() {
    let Some(corpus) = corpus() else { return };
    let store_dir = corpus.join("audits/bytecodealliance__wasmtime");
    let lockfile = corpus.join("lockfiles/Cargo.lock/bytecodealliance__wasmtime/Cargo.lock");
    let store = Store::load(&store_dir).unwrap();
    let inventory = tollgate_lockfile::inventory(&[&lockfile]);
    let report = evaluate(&store, &inventory, &Options::default()).unwrap();
    let summary = report.summary();
    eprintln!("{summary:?}");
    assert_eq!(
        (
            summary.packages,
            summary.vetted_by_audit,
            summary.vetted_by_import,
            summary.vetted_by_exemption,
            summary.not_required,
            summary.unvetted,
            summary.violations,
            summary.out_of_scope,
        ),
        (485, 243, 102, 82, 44, 14, 0, 0)
    );

    // Unvetted: crates wasmtime's store vets for safe-to-run, the criteria cargo-vet asks
    // of dev-dependencies. Cargo.lock does not say which dependencies are dev-only, so
    // tollgate holds them to safe-to-deploy (docs/trust.md).
    let mut unvetted = Vec::new();
    for package in &report.packages {
        if let Verdict::Unvetted { found, .. } = &package.verdict {
            assert_eq!(
                found,
                &["safe-to-run"],
                "{} {}",
                package.name,
                package.version
            );
            unvetted.push(format!("{} {}", package.name, package.version));
        }
    }
    assert_eq!(
        unvetted,
        [
            "alloca 0.4.0",
            "arbtest 0.3.2",
            "bytesize 2.0.1",
            "cast 0.3.0",
            "criterion 0.8.2",
            "criterion-plot 0.8.2",
            "escape8259 0.5.2",
            "itertools 0.13.0",
            "libtest-mimic 0.8.1",
            "oorandom 11.1.3",
            "page_size 0.6.0",
            "test-log 0.2.18",
            "test-log-macros 0.2.18",
            "tinytemplate 1.2.1",
        ]
    );

    // Not required: every path from a top-level crate passes a first-party crate whose
    // [policy] says `criteria = []` (fuzzers, verifiers, a benchmark); each piece of
    // evidence is checked against config.toml's own text.
    let config = std::fs::read_to_string(store_dir.join("config.toml")).unwrap();
    let config_lines: Vec<&str> = config.lines().collect();
    let mut deciders = std::collections::BTreeSet::new();
    for package in &report.packages {
        let Verdict::NotRequired { evidence } = &package.verdict else {
            continue;
        };
        assert!(!evidence.is_empty(), "{}", package.name);
        for step in evidence {
            assert_eq!(step.kind, StepKind::Policy);
            let crate_name = step.to.as_deref().unwrap();
            let line = step.line as usize;
            assert_eq!(config_lines[line - 1], format!("[policy.{crate_name}]"));
            assert_eq!(config_lines[line], "criteria = []");
            deciders.insert(crate_name.to_owned());
        }
    }
    assert_eq!(
        deciders.into_iter().collect::<Vec<_>>(),
        [
            "cranelift-assembler-x64-fuzz",
            "cranelift-isle-veri",
            "cranelift-isle-veri-aslp",
            "isle-fuzz",
            "uap-bench",
            "wasmtime-environ-fuzz",
            "wasmtime-fuzz",
            "wasmtime-fuzzing",
            "wizer-fuzz",
        ]
    );
}
