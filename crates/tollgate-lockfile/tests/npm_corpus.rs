//! Runs the npm-ecosystem parsers over the real lockfiles of the shared corpus and the
//! osv-scalibr test data copied there: every well-formed file parses, every malformed one
//! is an error with a position, and none panics. Skipped (with a message) without the corpus.

use std::path::{Path, PathBuf};

use tollgate_lockfile::parse_str;
use tollgate_model::LockfileFormat;

const SCALIBR: &str = "peer-fixtures/osv-scalibr/extractor/filesystem/language/javascript";

fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let unpacked = Path::new("/tmp/corpus");
    if !root.exists() {
        eprintln!("skipped: no corpus at {}", root.display());
        return None;
    }
    if !unpacked.join("lockfiles").exists() {
        eprintln!("skipped: corpus not unpacked at {}", unpacked.display());
        return None;
    }
    Some(unpacked.to_owned())
}

/// The files under `dir` (recursively), sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn parse(
    path: &Path,
    format: LockfileFormat,
) -> Result<tollgate_model::Lockfile, tollgate_lockfile::Error> {
    let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
    parse_str(&path.display().to_string(), &text, format)
}

#[test]
fn corpus_lockfiles_parse() {
    let Some(corpus) = corpus() else { return };
    let mut seen = 0;
    for path in files(&corpus.join("lockfiles")) {
        let Some(format) = tollgate_lockfile::detect_format(&path) else {
            continue;
        };
        if format.ecosystem() != tollgate_model::Ecosystem::Npm {
            continue;
        }
        let lockfile = parse(&path, format).unwrap_or_else(|e| panic!("{e}"));
        assert!(!lockfile.packages.is_empty(), "{}", path.display());
        assert!(
            lockfile.packages.iter().all(|p| p.line.is_some()),
            "{}: every package has a line",
            path.display()
        );
        eprintln!(
            "{}: {} packages, {} warnings",
            path.display(),
            lockfile.packages.len(),
            lockfile.warnings.len()
        );
        seen += 1;
    }
    assert!(
        seen >= 8,
        "expected the corpus's npm lockfiles, found {seen}"
    );
}

/// The osv-scalibr test data: `(directory, format, files that must fail)`.
#[test]
fn scalibr_fixtures_parse_or_fail_cleanly() {
    let Some(corpus) = corpus() else { return };
    let base = corpus.join(SCALIBR);
    let suites: [(&str, LockfileFormat, &[&str]); 4] = [
        (
            "packagelockjson/testdata",
            LockfileFormat::PackageLock,
            &["not-json.txt", "null.v2.jsontest"],
        ),
        ("yarnlock/testdata", LockfileFormat::YarnClassic, &[]),
        (
            "pnpmlock/testdata",
            LockfileFormat::PnpmLock,
            &["not-yaml.txt"],
        ),
        (
            "bunlock/testdata",
            LockfileFormat::BunLock,
            &["not-json.txt"],
        ),
    ];
    for (dir, format, failing) in suites {
        for path in files(&base.join(dir)) {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_owned();
            let result = parse(&path, format);
            match &result {
                Ok(lockfile) => {
                    eprintln!("ok   {dir}/{name}: {} packages", lockfile.packages.len())
                }
                Err(error) => eprintln!("err  {dir}/{name}: {error}"),
            }
            if failing.contains(&name.as_str()) {
                assert!(result.is_err(), "{dir}/{name} must fail");
            } else {
                assert!(result.is_ok(), "{dir}/{name}: {:?}", result.err());
            }
        }
    }
}
