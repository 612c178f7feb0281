//! Tests of the requirements-file parser: pins, hashes, includes, constraints, options,
//! every requirement form, and lines that are not requirements.

use std::path::{Path, PathBuf};

use tollgate_lockfile::{parse_file, parse_str};
use tollgate_model::{Lockfile, LockfileFormat, Package, RequirementKind, Source};

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python/requirements")
        .join(name)
}

fn fixture(name: &str) -> Lockfile {
    parse_file(&fixture_path(name), name, LockfileFormat::Requirements)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(text: &str) -> Lockfile {
    parse_str("requirements.txt", text, LockfileFormat::Requirements).unwrap()
}

fn ids(lockfile: &Lockfile) -> Vec<String> {
    lockfile
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

fn find<'a>(lockfile: &'a Lockfile, name: &str) -> &'a Package {
    lockfile
        .packages
        .iter()
        .find(|p| p.normalized_name == name)
        .unwrap_or_else(|| panic!("{name} not in {:?}", ids(lockfile)))
}

#[test]
fn compiled_file_with_hashes_and_continuations() {
    let lock = fixture("compiled.txt");
    assert_eq!(
        ids(&lock),
        [
            "docopt@0.6.2",
            "idna@3.20",
            "python-dateutil@4.0.0",
            "tzdata@2026.6"
        ]
    );
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);
    let idna = find(&lock, "idna");
    assert_eq!(idna.line, Some(6));
    assert_eq!(idna.requirement, Some(RequirementKind::Pinned));
    assert_eq!(idna.source, Source::Registry { url: None });
    let digests: Vec<_> = idna.hashes.iter().map(|h| h.digest.as_str()).collect();
    assert_eq!(
        digests,
        [
            "a7db850025b95ded1eae8a46181a1a6c56c92c96f0e2b005d9ff8dc0210cab44",
            "ab7ae7122974553370f0bdb919e1a960b2cd1bc1ef0276416d896db81c14582c"
        ]
    );
}

#[test]
fn includes_constraints_and_requirement_forms() {
    let lock = fixture("with-includes.txt");
    assert_eq!(
        ids(&lock),
        [
            "six@1.17.0",
            "requests@2.32.3",
            "Django@",
            "editable-lib@",
            "urllib3@",
            "numpy@1.9.2"
        ],
        "a constraint adds no package (not-required is absent)"
    );
    let index = Source::Registry {
        url: Some("https://pypi.example.org/simple/".into()),
    };
    // From common.txt, listed at the line of `-r common.txt`.
    let six = find(&lock, "six");
    assert_eq!(six.line, Some(3));
    assert_eq!(six.source, index);
    assert_eq!(six.hashes.len(), 1);
    // Unpinned here, pinned (with its hash) by constraints.txt.
    let requests = find(&lock, "requests");
    assert_eq!(requests.line, Some(5));
    assert_eq!(requests.requirement, Some(RequirementKind::Pinned));
    assert_eq!(requests.hashes.len(), 1);
    let django = find(&lock, "django");
    assert_eq!(django.requirement, Some(RequirementKind::Unpinned));
    assert_eq!(django.purl, "pkg:pypi/django");
    let editable = find(&lock, "editable-lib");
    assert_eq!(editable.requirement, Some(RequirementKind::Editable));
    assert_eq!(
        editable.source,
        Source::Git {
            url: "https://github.com/example/editable-lib.git".into(),
            reference: Some("v1.2".into()),
            commit: None,
        }
    );
    assert_eq!(
        find(&lock, "urllib3").requirement,
        Some(RequirementKind::Url)
    );
    let numpy = find(&lock, "numpy");
    assert_eq!(numpy.requirement, Some(RequirementKind::Path));
    assert!(matches!(&numpy.source, Source::Path { local_kind, .. } if local_kind == "path"));

    let warnings: Vec<_> = lock
        .warnings
        .iter()
        .map(|w| (w.path.as_str(), w.line, w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 3, "{warnings:#?}");
    assert_eq!((warnings[0].0, warnings[0].1), ("common.txt", Some(2)));
    assert!(warnings[0].2.contains("cycle"), "{}", warnings[0].2);
    assert_eq!(
        (warnings[1].0, warnings[1].1),
        ("with-includes.txt", Some(10))
    );
    assert!(warnings[1].2.contains("missing.txt"), "{}", warnings[1].2);
    assert_eq!(warnings[2].1, Some(11));
    assert!(warnings[2].2.contains("asdf=="), "{}", warnings[2].2);
}

#[test]
fn includes_without_a_file_system_are_warnings() {
    let lock = parse("-r base.txt\n--constraint=c.txt\nflask\n");
    assert_eq!(ids(&lock), ["flask@"]);
    let lines: Vec<_> = lock.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, [Some(1), Some(2)]);
}

#[test]
fn hash_options_in_every_spelling() {
    let lock =
        parse("a==1.0 --hash=sha256:AB --hash sha256:cd \\\n  --hash=md5:ef\nb==2 --hash=nothex\n");
    let digests: Vec<_> = lock.packages[0]
        .hashes
        .iter()
        .map(|h| format!("{}:{}", h.algorithm, h.digest))
        .collect();
    assert_eq!(digests, ["sha256:ab", "sha256:cd", "md5:ef"]);
    assert!(lock.packages[1].hashes.is_empty());
    assert_eq!(lock.warnings.len(), 1);
    assert_eq!(lock.warnings[0].line, Some(3));
}

#[test]
fn unknown_options_and_bad_lines_are_warnings_not_errors() {
    let lock = parse("--frobnicate\nnot a requirement\n\u{0}\nok==1\n");
    assert_eq!(ids(&lock), ["ok@1"]);
    assert_eq!(lock.warnings.len(), 3, "{:?}", lock.warnings);
}

#[test]
fn binary_file_is_an_error() {
    let dir = std::env::temp_dir().join(format!("tollgate-req-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("requirements.txt");
    std::fs::write(&path, b"a==1\n\xff\xfe").unwrap();
    assert!(parse_file(&path, "requirements.txt", LockfileFormat::Requirements).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn scalibr_requirements_testdata() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    let dir = Path::new(
        "/tmp/corpus/peer-fixtures/osv-scalibr/extractor/filesystem/language/python/requirements/testdata",
    );
    if !root.is_dir() || !dir.is_dir() {
        println!("skipped: corpus not present or not unpacked");
        return;
    }
    // (file, packages, warnings). These follow pip's reading of the files: osv-scalibr
    // counts differ where it is laxer (it keeps `foo10==` as unpinned) or stricter (it
    // rejects `urllib3 @ .../==1.26.8.zip`, a valid PEP 508 URL requirement).
    let cases = [
        ("comments.txt", 5, 0),
        ("env_var.txt", 2, 1),
        ("example.txt", 12, 1),
        ("extras.txt", 2, 0),
        ("invalid.txt", 1, 3),
        ("loop.txt", 0, 1),
        ("multiline_and_comments.txt", 2, 0),
        ("no_version.txt", 3, 0),
        ("per_req_options.txt", 15, 6),
        ("trailing_backslash.txt", 1, 0),
        ("with_versions.txt", 11, 0),
    ];
    for (file, packages, warnings) in cases {
        let lock = parse_file(&dir.join(file), file, LockfileFormat::Requirements).unwrap();
        assert_eq!(lock.packages.len(), packages, "{file}: {:?}", ids(&lock));
        assert_eq!(lock.warnings.len(), warnings, "{file}: {:?}", lock.warnings);
    }
}
