//! Tests of the `Cargo.lock` parser on fixtures made with cargo, malformed inputs, and (when
//! present) every Cargo.lock of the shared corpus.

use std::path::{Path, PathBuf};

use tollgate_lockfile::{Error, parse_file, parse_str};
use tollgate_model::{
    ArtifactKind, DependencyEdge, Lockfile, LockfileFormat, Package, Source,
    defaults::CRATES_IO_LOCK_SOURCE,
};

fn fixture(name: &str) -> Lockfile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cargo")
        .join(name);
    parse_file(&path, name, LockfileFormat::CargoLock).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn parse(text: &str) -> Result<Lockfile, Error> {
    parse_str("Cargo.lock", text, LockfileFormat::CargoLock)
}

fn find<'a>(lockfile: &'a Lockfile, name: &str, version: &str) -> &'a Package {
    lockfile
        .packages
        .iter()
        .find(|p| p.name == name && p.version == version)
        .unwrap_or_else(|| panic!("{name} {version} not in {:?}", ids(lockfile)))
}

fn ids(lockfile: &Lockfile) -> Vec<String> {
    lockfile
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect()
}

fn crates_io() -> Source {
    Source::Registry {
        url: Some(CRATES_IO_LOCK_SOURCE.to_owned()),
    }
}

#[test]
fn v4_workspace_members_are_not_packages_and_mark_direct_dependencies() {
    let lock = fixture("v4-workspace.lock");
    assert_eq!(lock.format_version.as_deref(), Some("4"));
    assert_eq!(
        ids(&lock),
        [
            "aho-corasick@1.1.5",
            "itoa@0.4.8",
            "itoa@1.0.19",
            "memchr@2.8.3",
            "ryu@1.0.23"
        ]
    );
    assert!(lock.warnings.is_empty(), "{:?}", lock.warnings);

    // `helper` is a path member: what it depends on is direct, like what `app` depends on.
    for (name, version, direct) in [
        ("aho-corasick", "1.1.5", true),
        ("itoa", "0.4.8", true),
        ("itoa", "1.0.19", true),
        ("memchr", "2.8.3", true),
        ("ryu", "1.0.23", true),
    ] {
        assert_eq!(find(&lock, name, version).direct, Some(direct), "{name}");
    }

    let aho = find(&lock, "aho-corasick", "1.1.5");
    assert_eq!(aho.line, Some(5));
    assert_eq!(aho.source, crates_io());
    assert_eq!(aho.purl, "pkg:cargo/aho-corasick@1.1.5");
    let digest = "c982642fa9e8606056828ee9a8505737230110bb1099153c79efe865c59d12ba";
    assert_eq!(aho.hashes.len(), 1);
    assert_eq!(aho.hashes[0].algorithm, "sha256");
    assert_eq!(aho.hashes[0].digest, digest);
    assert_eq!(aho.artifacts.len(), 1);
    assert_eq!(aho.artifacts[0].kind, ArtifactKind::Crate);
    assert_eq!(
        aho.artifacts[0].filename.as_deref(),
        Some("aho-corasick-1.1.5.crate")
    );
    assert_eq!(aho.artifacts[0].hashes, aho.hashes);
    // `"memchr"` names the only locked memchr, so the edge gets its version.
    assert_eq!(
        aho.dependencies,
        [DependencyEdge {
            name: "memchr".into(),
            version: Some("2.8.3".into())
        }]
    );
    assert_eq!(find(&lock, "itoa", "1.0.19").line, Some(38));
}

#[test]
fn v3_single_crate() {
    let lock = fixture("v3-single.lock");
    assert_eq!(lock.format_version.as_deref(), Some("3"));
    assert_eq!(ids(&lock), ["cfg-if@1.0.5"]);
    let cfg_if = &lock.packages[0];
    assert_eq!(cfg_if.direct, Some(true));
    assert_eq!(cfg_if.line, Some(5));
    assert!(cfg_if.dependencies.is_empty());
}

#[test]
fn v1_reads_root_and_metadata_checksums() {
    let lock = fixture("v1-root-metadata.lock");
    assert_eq!(lock.format_version.as_deref(), Some("1"));
    assert_eq!(ids(&lock), ["libc@0.2.20", "log@0.3.6"]);
    let libc = find(&lock, "libc", "0.2.20");
    assert_eq!(libc.direct, Some(true));
    assert_eq!(libc.line, Some(10));
    // Upper-case hex in the file, lowercase in the model.
    assert_eq!(
        libc.hashes[0].digest,
        "684f330624d8c3784fb9558ca46c4ce488073a8d22450415c5eb4f4cfb0d11b5"
    );
    let log = find(&lock, "log", "0.3.6");
    assert!(log.hashes.is_empty(), "`<none>` is no checksum");
    assert!(log.artifacts.is_empty());
    assert_eq!(
        log.source,
        Source::Git {
            url: "https://github.com/rust-lang/log".into(),
            reference: Some("branch=master".into()),
            commit: Some("5ec0e7bbbb8ff38ca9f6e0a4a1c4fa4d6ab8a2e2".into()),
        }
    );
    assert_eq!(
        log.dependencies,
        [DependencyEdge {
            name: "libc".into(),
            version: Some("0.2.20".into())
        }]
    );
}

#[test]
fn v2_is_detected_by_missing_version_key() {
    let lock = parse(
        "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"sparse+https://index.crates.io/\"\n\
         checksum = \"0000000000000000000000000000000000000000000000000000000000000000\"\n",
    )
    .unwrap();
    assert_eq!(lock.format_version.as_deref(), Some("2"));
    assert_eq!(
        lock.packages[0].source,
        Source::Registry {
            url: Some("sparse+https://index.crates.io/".into())
        }
    );
    // No workspace member in the file: nothing is known to be direct.
    assert_eq!(lock.packages[0].direct, Some(false));
}

#[test]
fn dependencies_of_dependencies_are_not_direct() {
    let lock = parse(
        "version = 4\n\n[[package]]\nname = \"member\"\nversion = \"0.1.0\"\ndependencies = [\"a\"]\n\n\
         [[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.org/index\"\ndependencies = [\"b\"]\n\n\
         [[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"registry+https://example.org/index\"\n",
    )
    .unwrap();
    assert_eq!(ids(&lock), ["a@1.0.0", "b@2.0.0"]);
    assert_eq!(lock.packages[0].direct, Some(true));
    assert_eq!(lock.packages[1].direct, Some(false));
}

#[test]
fn git_source_and_comments_inside_tables() {
    let lock = fixture("scalibr-git-source.lock");
    assert_eq!(ids(&lock), ["addr2line@0.15.2", "syn@1.0.73"]);
    let syn = find(&lock, "syn", "1.0.73");
    assert_eq!(syn.line, Some(10));
    assert_eq!(
        syn.source,
        Source::Git {
            url: "https://github.com/rust-lang/cargo".into(),
            reference: Some("branch=master".into()),
            commit: Some("061a9ab4cfabf2a403dbeab4bbcb8ff97d344dff".into()),
        }
    );
    assert!(syn.hashes.is_empty());
}

#[test]
fn bad_checksum_and_unknown_source_are_warnings() {
    let lock = parse(
        "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://example.org/index\"\nchecksum = \"xyz\"\n\n\
         [[package]]\nname = \"b\"\nversion = \"2.0.0\"\nsource = \"directory+/vendor\"\n",
    )
    .unwrap();
    assert_eq!(ids(&lock), ["a@1.0.0", "b@2.0.0"]);
    assert!(lock.packages[0].hashes.is_empty());
    assert_eq!(lock.packages[1].source, Source::Unknown);
    let warnings: Vec<_> = lock
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert_eq!(warnings[0].0, Some(3));
    assert!(warnings[0].1.contains("not a SHA-256"), "{}", warnings[0].1);
    assert_eq!(warnings[1].0, Some(9));
    assert!(
        warnings[1].1.contains("directory+/vendor"),
        "{}",
        warnings[1].1
    );
}

fn error_of(text: &str) -> tollgate_model::FileError {
    match parse(text) {
        Ok(lock) => panic!("expected an error, parsed {:?}", ids(&lock)),
        Err(error) => error.to_file_error(),
    }
}

#[test]
fn unsupported_version_names_the_line() {
    let error = error_of("# header\nversion = 5\n");
    assert_eq!(error.line, Some(2));
    assert!(
        error
            .message
            .contains("unsupported Cargo.lock `version` `5`"),
        "{}",
        error.message
    );
}

#[test]
fn malformed_inputs_are_errors_with_lines() {
    let cases = [
        // Not TOML at all.
        ("this is not valid toml! (I think)\n", Some(1)),
        // Truncated inside a table.
        (
            "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0",
            Some(5),
        ),
        // Wrong type.
        ("version = \"three\"\n", Some(1)),
        (
            "version = 3\n[[package]]\nname = 1\nversion = \"1\"\n",
            Some(3),
        ),
        ("version = 3\npackage = \"x\"\n", Some(2)),
        // A package without a version.
        ("version = 3\n\n[[package]]\nname = \"a\"\n", Some(3)),
    ];
    for (text, line) in cases {
        let error = error_of(text);
        assert_eq!(error.line, line, "{text:?}: {}", error.message);
        assert!(
            error.message.contains("expected a Cargo.lock document"),
            "{}",
            error.message
        );
    }
}

#[test]
fn binary_input_is_an_error_not_a_panic() {
    let dir = std::env::temp_dir().join(format!("tollgate-cargo-binary-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("Cargo.lock");
    std::fs::write(&path, b"version = 3\n\x00\xff\xfe[[package]]").unwrap();
    let error = parse_file(&path, "Cargo.lock", LockfileFormat::CargoLock).unwrap_err();
    assert!(matches!(error, Error::NotText { line: 2, .. }), "{error}");
    // NUL is valid UTF-8 but not valid TOML.
    assert!(parse("version = 3\n\0\n").is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

fn corpus() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if root.is_dir() {
        Some(root)
    } else {
        println!("skipped: no corpus at {}", root.display());
        None
    }
}

/// The unpacked corpus copy, for the files inside the corpus tarballs.
fn unpacked(sub: &str) -> Option<PathBuf> {
    corpus()?;
    let dir = Path::new("/tmp/corpus").join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipped: corpus not unpacked at {}", dir.display());
        None
    }
}

#[test]
fn corpus_cargo_locks_parse() {
    let Some(dir) = unpacked("lockfiles/Cargo.lock") else {
        return;
    };
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("Cargo.lock");
        let display = path.display().to_string();
        let lock = parse_file(&path, &display, LockfileFormat::CargoLock)
            .unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap();
        let with_source = text.matches("\nsource = ").count();
        assert_eq!(lock.packages.len(), with_source, "{display}");
        assert!(lock.warnings.is_empty(), "{display}: {:?}", lock.warnings);
        assert!(lock.packages.iter().all(|p| p.line.is_some()));
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} Cargo.lock files");
}

#[test]
fn scalibr_cargolock_testdata() {
    let Some(dir) =
        unpacked("peer-fixtures/osv-scalibr/extractor/filesystem/language/rust/cargolock/testdata")
    else {
        return;
    };
    // Package counts from osv-scalibr's cargolock_test.go, less the entries without a
    // `source` (osv-scalibr reports `local-rust-pkg`, tollgate leaves workspace members out).
    let expected: &[(&str, Option<usize>)] = &[
        ("duplicate.lock", Some(2)),
        ("empty.lock", Some(0)),
        ("many-packages.lock", Some(6)),
        ("not-toml.txt", None),
        ("one-package.lock", Some(1)),
        ("package-with-build-string.lock", Some(1)),
        ("package-with-comments.lock", Some(2)),
        ("two-packages-with-local.lock", Some(1)),
        ("two-packages.lock", Some(2)),
    ];
    for (name, count) in expected {
        let path = dir.join(name);
        let result = parse_file(&path, name, LockfileFormat::CargoLock);
        match (result, count) {
            (Ok(lock), Some(count)) => assert_eq!(lock.packages.len(), *count, "{name}"),
            (Err(_), None) => {}
            (result, _) => panic!("{name}: unexpected {:?}", result.map(|l| ids(&l))),
        }
    }
}
