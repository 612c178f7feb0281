//! The npm-ecosystem parsers on lockfiles written by the real package managers (see
//! `tests/fixtures/npm/README.md`), on osv-scalibr's test data, and on malformed input.

use std::path::Path;

use tollgate_lockfile::{Error, parse_str};
use tollgate_model::{
    ArtifactKind, DependencyEdge, Hash, Lockfile, LockfileFormat, Package, Source,
};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/npm")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(name: &str, format: LockfileFormat) -> Lockfile {
    parse_str(name, &fixture(name), format).unwrap_or_else(|e| panic!("{e}"))
}

/// The one package called `name` at `version`.
fn package<'a>(lockfile: &'a Lockfile, name: &str, version: &str) -> &'a Package {
    let mut found = lockfile
        .packages
        .iter()
        .filter(|p| p.name == name && p.version == version);
    let package = found
        .next()
        .unwrap_or_else(|| panic!("{}: no {name}@{version}", lockfile.path));
    assert!(
        found.next().is_none(),
        "{}: {name}@{version} twice",
        lockfile.path
    );
    package
}

fn sorted_ids(lockfile: &Lockfile) -> Vec<String> {
    let mut ids: Vec<String> = lockfile
        .packages
        .iter()
        .map(|p| format!("{}@{}", p.name, p.version))
        .collect();
    ids.sort();
    ids
}

const ESBUILD_PLATFORMS: [&str; 23] = [
    "aix-ppc64",
    "android-arm",
    "android-arm64",
    "android-x64",
    "darwin-arm64",
    "darwin-x64",
    "freebsd-arm64",
    "freebsd-x64",
    "linux-arm",
    "linux-arm64",
    "linux-ia32",
    "linux-loong64",
    "linux-mips64el",
    "linux-ppc64",
    "linux-riscv64",
    "linux-s390x",
    "linux-x64",
    "netbsd-x64",
    "openbsd-x64",
    "sunos-x64",
    "win32-arm64",
    "win32-ia32",
    "win32-x64",
];

/// The 34 packages the fixture project resolves to, whatever the package manager.
fn expected_ids() -> Vec<String> {
    let mut ids: Vec<String> = ESBUILD_PLATFORMS
        .iter()
        .map(|p| format!("@esbuild/{p}@0.19.12"))
        .collect();
    ids.extend(
        [
            "@types/node@20.11.0",
            "ansi-regex@5.0.1",
            "emoji-regex@8.0.0",
            "esbuild@0.19.12",
            "fsevents@2.3.3",
            "is-fullwidth-code-point@3.0.0",
            "is-number@6.0.0",
            "is-odd@3.0.1",
            "string-width@4.2.3",
            "strip-ansi@6.0.1",
            "undici-types@5.26.5",
        ]
        .map(str::to_owned),
    );
    ids.sort();
    ids
}

const ESBUILD_SHA512: &str = "68046a82af2ba05063d39e0abd0af97f5b05bb40fae46fa6899442b89c89d06d77670c7bbd16abe59867dad910373217701acd56cbfff2cb5e8698fe1808e06e";

fn sha512(digest: &str) -> Hash {
    Hash {
        algorithm: "sha512".into(),
        digest: digest.into(),
    }
}

/// What every format that records scopes and direct dependencies must say.
fn assert_project_scopes(lockfile: &Lockfile) {
    let esbuild = package(lockfile, "esbuild", "0.19.12");
    assert!(
        esbuild.scope.dev && !esbuild.scope.optional,
        "{}",
        lockfile.path
    );
    assert_eq!(esbuild.direct, Some(true), "{}", lockfile.path);
    let platform = package(lockfile, "@esbuild/linux-x64", "0.19.12");
    assert!(
        platform.scope.dev && platform.scope.optional,
        "{}",
        lockfile.path
    );
    assert_eq!(platform.direct, Some(false), "{}", lockfile.path);
    let fsevents = package(lockfile, "fsevents", "2.3.3");
    assert!(
        !fsevents.scope.dev && fsevents.scope.optional,
        "{}",
        lockfile.path
    );
    let is_number = package(lockfile, "is-number", "6.0.0");
    assert!(is_number.scope.is_default(), "{}", lockfile.path);
    assert_eq!(is_number.direct, Some(false), "{}", lockfile.path);
    for direct in [
        ("is-odd", "3.0.1"),
        ("@types/node", "20.11.0"),
        ("string-width", "4.2.3"),
    ] {
        assert_eq!(
            package(lockfile, direct.0, direct.1).direct,
            Some(true),
            "{direct:?}"
        );
    }
}

fn assert_alias(lockfile: &Lockfile) {
    let aliased = package(lockfile, "string-width", "4.2.3");
    assert_eq!(
        aliased.alias.as_deref(),
        Some("string-width-cjs"),
        "{}",
        lockfile.path
    );
    assert_eq!(aliased.purl, "pkg:npm/string-width@4.2.3");
}

#[test]
fn package_lock_v2_and_v3() {
    for name in ["package-lock.v2.json", "package-lock.v3.json"] {
        let lockfile = parse(name, LockfileFormat::PackageLock);
        assert_eq!(lockfile.format, LockfileFormat::PackageLock);
        assert_eq!(lockfile.format_version.as_deref(), Some(&name[14..15]));
        assert_eq!(sorted_ids(&lockfile), expected_ids(), "{name}");
        assert!(lockfile.warnings.is_empty());
        assert_project_scopes(&lockfile);
        assert_alias(&lockfile);

        let esbuild = package(&lockfile, "esbuild", "0.19.12");
        assert_eq!(esbuild.line, Some(437));
        assert_eq!(esbuild.hashes, vec![sha512(ESBUILD_SHA512)]);
        assert_eq!(
            esbuild.source,
            Source::Registry {
                url: Some("https://registry.npmjs.org/".into())
            }
        );
        assert_eq!(esbuild.artifacts.len(), 1);
        assert_eq!(esbuild.artifacts[0].kind, ArtifactKind::Tarball);
        assert_eq!(
            esbuild.artifacts[0].url.as_deref(),
            Some("https://registry.npmjs.org/esbuild/-/esbuild-0.19.12.tgz")
        );
        assert_eq!(esbuild.artifacts[0].hashes, esbuild.hashes);
        assert_eq!(esbuild.install.has_install_script, Some(true));
        assert_eq!(esbuild.license.as_deref(), Some("MIT"));
        assert_eq!(esbuild.dependencies.len(), 23);
        assert_eq!(package(&lockfile, "string-width", "4.2.3").line, Some(519));
        assert_eq!(
            package(&lockfile, "is-odd", "3.0.1")
                .install
                .has_install_script,
            None
        );
        assert_eq!(
            package(&lockfile, "is-odd", "3.0.1").dependencies,
            vec![DependencyEdge {
                name: "is-number".into(),
                version: Some("6.0.0".into())
            }]
        );
    }
}

#[test]
fn package_lock_v1() {
    let lockfile = parse("package-lock.v1.json", LockfileFormat::PackageLock);
    assert_eq!(lockfile.format_version.as_deref(), Some("1"));
    assert_eq!(sorted_ids(&lockfile), expected_ids());
    assert_alias(&lockfile);
    let esbuild = package(&lockfile, "esbuild", "0.19.12");
    assert_eq!(esbuild.line, Some(186));
    assert!(esbuild.scope.dev);
    assert_eq!(esbuild.direct, None, "v1 does not say what is direct");
    assert_eq!(esbuild.hashes, vec![sha512(ESBUILD_SHA512)]);
    assert!(package(&lockfile, "fsevents", "2.3.3").scope.optional);
    assert_eq!(package(&lockfile, "string-width", "4.2.3").line, Some(241));
    assert_eq!(
        package(&lockfile, "is-odd", "3.0.1").dependencies,
        vec![DependencyEdge {
            name: "is-number".into(),
            version: Some("^6.0.0".into())
        }]
    );
}

#[test]
fn shrinkwrap_keeps_its_format() {
    let lockfile = parse_str(
        "npm-shrinkwrap.json",
        &fixture("package-lock.v3.json"),
        LockfileFormat::NpmShrinkwrap,
    )
    .unwrap();
    assert_eq!(lockfile.format, LockfileFormat::NpmShrinkwrap);
    assert_eq!(lockfile.packages.len(), 34);
}

#[test]
fn pnpm_5_6_and_9() {
    for (name, version, esbuild_line) in [
        ("pnpm-lock.v5.yaml", "5.4", 245),
        ("pnpm-lock.v6.yaml", "6.0", 252),
        ("pnpm-lock.v9.yaml", "9.0", 179),
    ] {
        let lockfile = parse(name, LockfileFormat::PnpmLock);
        assert_eq!(lockfile.format_version.as_deref(), Some(version));
        assert_eq!(sorted_ids(&lockfile), expected_ids(), "{name}");
        assert!(lockfile.warnings.is_empty());
        assert_project_scopes(&lockfile);
        assert_alias(&lockfile);
        let esbuild = package(&lockfile, "esbuild", "0.19.12");
        assert_eq!(esbuild.line, Some(esbuild_line), "{name}");
        assert_eq!(esbuild.hashes, vec![sha512(ESBUILD_SHA512)]);
        assert_eq!(esbuild.source, Source::Registry { url: None });
        assert_eq!(esbuild.dependencies.len(), 23, "{name}");
        // pnpm 7 and 8 record `requiresBuild`; 9.0 dropped it from the lockfile.
        let expected_build = (version != "9.0").then_some(true);
        assert_eq!(esbuild.install.requires_build, expected_build, "{name}");
        assert_eq!(
            package(&lockfile, "is-odd", "3.0.1").dependencies,
            vec![DependencyEdge {
                name: "is-number".into(),
                version: Some("6.0.0".into())
            }]
        );
    }
}

#[test]
fn yarn_classic() {
    let lockfile = parse("yarn-classic.lock", LockfileFormat::YarnClassic);
    assert_eq!(lockfile.format, LockfileFormat::YarnClassic);
    assert_eq!(sorted_ids(&lockfile), expected_ids());
    assert_alias(&lockfile);
    let esbuild = package(&lockfile, "esbuild", "0.19.12");
    assert_eq!(esbuild.line, Some(137));
    assert_eq!(esbuild.direct, None);
    assert_eq!(
        esbuild.hashes,
        vec![
            sha512(ESBUILD_SHA512),
            Hash {
                algorithm: "sha1".into(),
                digest: "dc82ee5dc79e82f5a5c3b4323a2a641827db3e04".into()
            }
        ]
    );
    assert_eq!(
        esbuild.source,
        Source::Registry {
            url: Some("https://registry.yarnpkg.com/".into())
        }
    );
    assert_eq!(
        esbuild.artifacts[0].url.as_deref(),
        Some("https://registry.yarnpkg.com/esbuild/-/esbuild-0.19.12.tgz")
    );
    assert_eq!(package(&lockfile, "string-width", "4.2.3").line, Some(188));
}

#[test]
fn yarn_berry() {
    let lockfile = parse("yarn-berry.lock", LockfileFormat::YarnClassic);
    assert_eq!(
        lockfile.format,
        LockfileFormat::YarnBerry,
        "detected from __metadata"
    );
    assert_eq!(lockfile.format_version.as_deref(), Some("10"));
    assert_alias(&lockfile);
    assert!(
        lockfile
            .packages
            .iter()
            .all(|p| p.name != "fixture-project"),
        "root skipped"
    );
    let esbuild = package(&lockfile, "esbuild", "0.19.12");
    assert_eq!(esbuild.line, Some(222));
    assert_eq!(esbuild.direct, Some(true));
    assert_eq!(esbuild.source, Source::Registry { url: None });
    assert_eq!(esbuild.hashes.len(), 1);
    assert_eq!(esbuild.hashes[0].algorithm, "yarn-berry-cache");
    assert_eq!(package(&lockfile, "is-number", "6.0.0").direct, Some(false));
    // The patched fsevents is the registry package at its version.
    let fsevents: Vec<_> = lockfile
        .packages
        .iter()
        .filter(|p| p.name == "fsevents")
        .collect();
    assert_eq!(fsevents.len(), 2);
    assert!(
        fsevents
            .iter()
            .all(|p| p.version == "2.3.3" && p.source == Source::Registry { url: None })
    );
    assert_eq!(fsevents[1].line, Some(346));
}

#[test]
fn bun() {
    let lockfile = parse("bun.lock", LockfileFormat::BunLock);
    assert_eq!(lockfile.format_version.as_deref(), Some("2"));
    assert_eq!(sorted_ids(&lockfile), expected_ids());
    assert_project_scopes(&lockfile);
    assert_alias(&lockfile);
    let esbuild = package(&lockfile, "esbuild", "0.19.12");
    assert_eq!(esbuild.line, Some(73));
    assert_eq!(esbuild.hashes, vec![sha512(ESBUILD_SHA512)]);
    assert_eq!(esbuild.install.has_install_script, Some(true));
    assert_eq!(esbuild.dependencies.len(), 23);
    assert_eq!(package(&lockfile, "string-width", "4.2.3").line, Some(83));
}

/// Workspaces: members are not packages, each member's own dependencies are direct, and
/// a `file:` folder is a path source.
#[test]
fn workspaces() {
    for (name, format) in [
        ("workspace/package-lock.json", LockfileFormat::PackageLock),
        ("workspace/pnpm-lock.yaml", LockfileFormat::PnpmLock),
        ("workspace/bun.lock", LockfileFormat::BunLock),
    ] {
        let lockfile = parse(name, format);
        assert_eq!(lockfile.packages.len(), 8, "{name}");
        assert!(
            lockfile
                .packages
                .iter()
                .all(|p| !p.name.starts_with("@ws/")),
            "{name}"
        );
        for (dep, version, direct, dev) in [
            ("is-number", "7.0.0", true, false),
            ("is-number", "6.0.0", true, false),
            ("is-number", "3.0.0", false, true),
            ("is-even", "1.0.0", true, true),
            ("kind-of", "3.2.2", false, true),
        ] {
            let p = package(&lockfile, dep, version);
            assert_eq!(
                (p.direct, p.scope.dev),
                (Some(direct), dev),
                "{name}: {dep}@{version}"
            );
        }
        let local = lockfile
            .packages
            .iter()
            .find(|p| p.name == "local-lib")
            .unwrap();
        assert_eq!(local.direct, Some(true), "{name}");
        let Source::Path { path, .. } = &local.source else {
            panic!("{name}: {:?}", local.source)
        };
        assert_eq!(path, "local-lib");
    }
}

#[test]
fn scalibr_git_sources() {
    let yarn = parse(
        "osv-scalibr/yarn-commits.v2.lock",
        LockfileFormat::YarnClassic,
    );
    assert_eq!(yarn.packages.len(), 7);
    let typegoose = package(&yarn, "@typegoose/typegoose", "7.2.0");
    assert_eq!(
        typegoose.source,
        Source::Git {
            url: "https://github.com/typegoose/typegoose.git".into(),
            reference: None,
            commit: Some("3ed06e5097ab929f69755676fee419318aaec73a".into()),
        }
    );
    let classic = parse(
        "osv-scalibr/yarn-commits.v1.lock",
        LockfileFormat::YarnClassic,
    );
    assert_eq!(classic.packages.len(), 18);
    let Source::Git { commit, .. } = &package(&classic, "vue", "2.6.12").source else {
        panic!("vue is a git dependency")
    };
    assert_eq!(
        commit.as_deref(),
        Some("bb253db0b3e17124b6d1fe93fbf2db35470a1347")
    );

    let pnpm = parse("osv-scalibr/pnpm-commits.v5.yaml", LockfileFormat::PnpmLock);
    assert_eq!(pnpm.packages.len(), 5);
    let scoped = package(&pnpm, "@my-scope/my-package", "1.0.0");
    assert_eq!(scoped.direct, Some(true));
    assert!(
        matches!(&scoped.source, Source::Git { commit: Some(c), .. } if c == "267087851ad5fac92a184749c27cd539e2fc862e")
    );

    let npm = parse(
        "osv-scalibr/package-lock-commits.v1.json",
        LockfileFormat::PackageLock,
    );
    assert_eq!(npm.packages.len(), 15);
    let bun = parse("osv-scalibr/bun-commits.json5", LockfileFormat::BunLock);
    assert_eq!(bun.packages.len(), 18);
    let aliased = bun
        .packages
        .iter()
        .find(|p| p.alias.as_deref() == Some("is-number-2"))
        .unwrap();
    assert_eq!(aliased.name, "is-number");
    assert!(matches!(&aliased.source, Source::Git { reference: Some(r), .. } if r == "d5ac058"));
}

#[test]
fn scalibr_aliases_and_paths() {
    let berry = parse(
        "osv-scalibr/yarn-with-aliases.v2.lock",
        LockfileFormat::YarnClassic,
    );
    assert_eq!(
        sorted_ids(&berry),
        [
            "@babel/helper-validator-identifier@7.22.20",
            "ansi-regex@5.0.1",
            "ansi-regex@6.0.1"
        ]
    );
    assert_eq!(
        package(&berry, "@babel/helper-validator-identifier", "7.22.20")
            .alias
            .as_deref(),
        Some("babel-hvi")
    );
    let files = parse(
        "osv-scalibr/yarn-files.v2.lock",
        LockfileFormat::YarnClassic,
    );
    assert_eq!(
        files.packages[0].source,
        Source::Path {
            path: "../../deps/my-local-package".into(),
            local_kind: "file".into()
        }
    );
    let npm = parse(
        "osv-scalibr/package-lock-alias.v1.json",
        LockfileFormat::PackageLock,
    );
    assert_eq!(
        package(&npm, "@babel/code-frame", "7.0.0").alias.as_deref(),
        Some("babel-code-frame")
    );
    let bundled = parse(
        "osv-scalibr/package-lock-bundled.v3.json",
        LockfileFormat::PackageLock,
    );
    assert_eq!(bundled.packages.len(), 3);
}

#[test]
fn a_bad_bun_entry_is_skipped_with_a_warning() {
    let lockfile = parse("osv-scalibr/bun-bad-tuple.json5", LockfileFormat::BunLock);
    assert_eq!(sorted_ids(&lockfile), ["wrappy@1.0.2"]);
    assert_eq!(lockfile.warnings.len(), 2);
    assert_eq!(lockfile.warnings[0].line, Some(12));
}

/// The line of a syntax or version error, after checking it is one.
fn error_line(format: LockfileFormat, text: &str) -> Option<u32> {
    match parse_str("bad", text, format) {
        Err(Error::Syntax { line, .. } | Error::UnsupportedVersion { line, .. }) => line,
        other => panic!("{format:?} {text:?}: expected an error, got {other:?}"),
    }
}

#[test]
fn malformed_input_is_an_error_with_its_line() {
    use LockfileFormat::*;
    let cases: &[(LockfileFormat, &str, Option<u32>)] = &[
        (
            PackageLock,
            "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n",
            Some(4),
        ),
        (
            PackageLock,
            "{\"lockfileVersion\": 3,\n\"packages\": {\"node_modules/a\": {\"dev\": \"yes\"}}}",
            Some(2),
        ),
        (PackageLock, "{\n\"lockfileVersion\": 4}", Some(2)),
        (PackageLock, "{\"packages\": {}}", None),
        (PackageLock, "\u{1}\u{2}binary", Some(1)),
        (
            BunLock,
            "{\n\"lockfileVersion\": 9, \"packages\": {}}",
            Some(2),
        ),
        (
            BunLock,
            "{\"lockfileVersion\": 1,\n \"packages\": [1,]}",
            Some(2),
        ),
        (
            PnpmLock,
            "lockfileVersion: '9.0'\npackages:\n  a@1.0.0:\n    resolution: {integrity: x\n",
            Some(4),
        ),
        (PnpmLock, "lockfileVersion: '4.0'\n", Some(1)),
        (PnpmLock, "packages: {}\n", None),
        (PnpmLock, "lockfileVersion: '9.0'\n  bad: indent\n", Some(2)),
        (YarnClassic, "a@^1:\n  version \"1.0.0\n", Some(2)),
        (YarnClassic, "  version \"1.0.0\"\n", Some(1)),
        (YarnClassic, "a@^1\n", Some(1)),
        (
            YarnClassic,
            "a@^1:\n  version \"1\"\n      resolved \"x\"\n",
            Some(3),
        ),
        (YarnClassic, "__metadata:\n  version: 3\n", Some(1)),
        (
            YarnClassic,
            "__metadata:\n  version: 8\n\"a@npm:1\":\n  resolution: 'x\n",
            Some(4),
        ),
    ];
    for (format, text, line) in cases {
        assert_eq!(error_line(*format, text), *line, "{format:?} {text:?}");
    }
}

#[test]
fn garbage_never_panics() {
    let samples = [
        fixture("package-lock.v3.json"),
        fixture("pnpm-lock.v9.yaml"),
        fixture("yarn-classic.lock"),
        fixture("yarn-berry.lock"),
        fixture("bun.lock"),
    ];
    let formats = [
        LockfileFormat::PackageLock,
        LockfileFormat::PnpmLock,
        LockfileFormat::YarnClassic,
        LockfileFormat::BunLock,
    ];
    // Every prefix cut at a char boundary (truncated files) and a few byte mutations.
    for sample in &samples {
        let cuts = (0..sample.len())
            .step_by(97)
            .filter(|&i| sample.is_char_boundary(i));
        for cut in cuts {
            for format in formats {
                let _ = parse_str("cut", &sample[..cut], format);
            }
        }
        for (i, replacement) in [(5, "{"), (40, "\""), (80, ":"), (120, "  "), (200, "[")] {
            if i < sample.len() && sample.is_char_boundary(i) && sample.is_char_boundary(i + 1) {
                let mutated = format!("{}{replacement}{}", &sample[..i], &sample[i + 1..]);
                for format in formats {
                    let _ = parse_str("mutated", &mutated, format);
                }
            }
        }
    }
    let deep = format!(
        "lockfileVersion: '9.0'\npackages: {}\n",
        "[".repeat(100_000)
    );
    assert!(parse_str("deep", &deep, LockfileFormat::PnpmLock).is_err());
    let deep_json = format!(
        "{{\"lockfileVersion\": 1, \"dependencies\": {}",
        "{\"a\": ".repeat(10_000)
    );
    assert!(parse_str("deep", &deep_json, LockfileFormat::PackageLock).is_err());
}
