//! Version ordering against osv-scalibr's peer fixtures: a small copied sample always,
//! and the full files from the project corpus when it is present.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use tollgate_version::Scheme;

/// One `A op B` line of a fixture file.
struct Case {
    line: usize,
    left: String,
    right: String,
    expected: Ordering,
}

fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("//") || line.starts_with('#') {
            continue;
        }
        let parts: Vec<&str> = line.split(' ').collect();
        let [left, op, right] = parts[..] else {
            panic!("line {}: expected `A op B`, got {line:?}", index + 1);
        };
        let expected = match op {
            "<" => Ordering::Less,
            ">" => Ordering::Greater,
            "=" => Ordering::Equal,
            other => panic!("line {}: unknown operator {other:?}", index + 1),
        };
        cases.push(Case {
            line: index + 1,
            left: left.to_owned(),
            right: right.to_owned(),
            expected,
        });
    }
    cases
}

/// Checks every case with `scheme`; with `skip_unparsable`, cases the (strict) scheme
/// refuses are skipped and counted. Returns (checked, skipped).
fn check(file: &str, text: &str, scheme: Scheme, skip_unparsable: bool) -> (usize, usize) {
    let (mut checked, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for case in parse_cases(text) {
        let parsed = (scheme.parse(&case.left), scheme.parse(&case.right));
        let (Ok(left), Ok(right)) = parsed else {
            assert!(
                skip_unparsable,
                "{file}:{}: {scheme:?} could not parse {:?} / {:?}: {parsed:?}",
                case.line, case.left, case.right
            );
            skipped += 1;
            continue;
        };
        checked += 1;
        let got = left.compare(&right);
        if got != Some(case.expected) {
            failures.push(format!(
                "{file}:{}: {} vs {}: expected {:?}, got {got:?}",
                case.line, case.left, case.right, case.expected
            ));
        }
        // The order must be antisymmetric too.
        if right.compare(&left) != Some(case.expected.reverse()) {
            failures.push(format!("{file}:{}: reversed comparison differs", case.line));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    (checked, skipped)
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sample_semver_lines_npm() {
    let (checked, _) = check(
        "semver-versions-sample.txt",
        &fixture("semver-versions-sample.txt"),
        Scheme::Npm,
        false,
    );
    assert_eq!(checked, 11);
}

#[test]
fn sample_pypi_lines() {
    let (checked, _) = check(
        "pypi-versions-sample.txt",
        &fixture("pypi-versions-sample.txt"),
        Scheme::Pypi,
        false,
    );
    assert_eq!(checked, 11);
}

fn corpus_semantic_dir() -> Option<PathBuf> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let unpacked = Path::new("/tmp/corpus/peer-fixtures/semantic");
    if !corpus.exists() || !unpacked.exists() {
        println!(
            "skipping: the corpus ({}) or its unpacked peer fixtures ({}) are absent",
            corpus.display(),
            unpacked.display()
        );
        return None;
    }
    Some(unpacked.to_path_buf())
}

#[test]
fn corpus_semver_versions_npm_and_cargo() {
    let Some(dir) = corpus_semantic_dir() else {
        return;
    };
    let text = std::fs::read_to_string(dir.join("semver-versions.txt")).unwrap();
    let (npm, npm_skipped) = check("semver-versions.txt", &text, Scheme::Npm, false);
    let (cargo, cargo_skipped) = check("semver-versions.txt", &text, Scheme::Cargo, true);
    println!(
        "semver-versions.txt: npm {npm} checked ({npm_skipped} skipped); \
         Cargo {cargo} checked ({cargo_skipped} not strict SemVer, skipped)"
    );
    assert!(npm > 70 && cargo > 30);
}

#[test]
fn corpus_pypi_versions() {
    let Some(dir) = corpus_semantic_dir() else {
        return;
    };
    for name in ["pypi-versions.txt", "pypi-versions-generated.txt"] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let (checked, skipped) = check(name, &text, Scheme::Pypi, false);
        println!("{name}: {checked} checked, {skipped} skipped");
        assert!(checked > 0);
    }
}
