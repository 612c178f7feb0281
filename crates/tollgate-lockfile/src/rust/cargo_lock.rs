//! The parser for Cargo's `Cargo.lock`, lock versions 1 to 4.
//!
//! What counts as a package (the same choice as cargo-audit and cargo-deny): every
//! `[[package]]` entry with a `source`, that is a crate from a registry or a git
//! repository. Entries without a `source` are workspace members or path dependencies: they
//! are built from the local tree, no advisory database can list them, so they are left out
//! of `packages`. Their `dependencies` still matter: a package they depend on is `direct`.
//!
//! Versions: v1 (no `version` key, checksums in `[metadata]` as
//! `"checksum NAME VERSION (SOURCE)" = "HEX"`, dependencies always `"NAME VERSION (SOURCE)"`,
//! and in the oldest files the first member under `[root]`), v2 (no `version` key, a
//! `checksum` per package, dependencies shortened to `"NAME"` when unambiguous), v3
//! (`version = 3`) and v4 (`version = 4`, same fields).

use std::collections::HashMap;

use serde::Deserialize;
use tollgate_model::{
    Artifact, ArtifactKind, DependencyEdge, Ecosystem, Hash, Lockfile, LockfileFormat, Package,
    Source,
};
use toml::Spanned;

use crate::Error;
use crate::python::common;
use crate::python::toml_input::{self, SpanLines};

/// The newest lock version this parser reads.
const NEWEST_VERSION: i64 = 4;

/// The prefix of a v1 `[metadata]` checksum key.
const V1_CHECKSUM_PREFIX: &str = "checksum ";

/// The value cargo writes in a v1 `[metadata]` checksum entry that has no checksum.
const V1_NO_CHECKSUM: &str = "<none>";

#[derive(Deserialize)]
struct RawLock {
    version: Option<Spanned<i64>>,
    #[serde(default)]
    package: Vec<Spanned<RawPackage>>,
    /// The first workspace member in the oldest v1 files.
    root: Option<RawPackage>,
    /// v1 checksums (and nothing else we read).
    metadata: Option<toml::Table>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
    checksum: Option<String>,
    #[serde(default)]
    dependencies: Vec<String>,
}

/// Parses a `Cargo.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let raw: RawLock = toml_input::from_str(path, text, "a Cargo.lock document")?;
    let lines = SpanLines::new(text);
    let mut lockfile = Lockfile::new(path, LockfileFormat::CargoLock);
    lockfile.format_version = Some(lock_version(path, &raw, &lines)?.to_string());

    let v1_checksums = v1_checksums(raw.metadata.as_ref());
    let versions_by_name = versions_by_name(&raw);
    let direct = direct_dependencies(&raw, &versions_by_name);

    for entry in &raw.package {
        let line = lines.line_of(entry);
        let raw_package = entry.get_ref();
        let Some(source_id) = &raw_package.source else {
            continue; // A workspace member or path dependency: see the module docs.
        };
        let checksum = raw_package.checksum.as_deref().or_else(|| {
            let key = format!(
                "{V1_CHECKSUM_PREFIX}{} {} ({source_id})",
                raw_package.name, raw_package.version
            );
            v1_checksums.get(key.as_str()).copied()
        });
        let mut package = Package::new(
            Ecosystem::CratesIo,
            raw_package.name.as_str(),
            raw_package.version.as_str(),
        );
        package.line = Some(line);
        package.source = source(source_id);
        if matches!(package.source, Source::Unknown) {
            lockfile.warnings.push(common::warning(
                path,
                Some(line),
                format!(
                    "unknown source `{source_id}` for {} {}; expected registry+, sparse+ or git+",
                    package.name, package.version
                ),
            ));
        }
        if let Some(checksum) = checksum {
            match sha256(checksum) {
                Some(hash) => attach_crate_checksum(&mut package, hash),
                None => lockfile.warnings.push(common::warning(
                    path,
                    Some(line),
                    format!(
                        "checksum of {} {} is not a SHA-256 hex digest: `{checksum}`",
                        package.name, package.version
                    ),
                )),
            }
        }
        package.direct =
            Some(direct.contains(&(raw_package.name.as_str(), raw_package.version.as_str())));
        package.dependencies = raw_package
            .dependencies
            .iter()
            .map(|dependency| edge(dependency, &versions_by_name))
            .collect();
        lockfile.packages.push(package);
    }
    Ok(lockfile)
}

/// The lock version: the `version` key when present, else 1 or 2 by where checksums live.
fn lock_version(path: &str, raw: &RawLock, lines: &SpanLines) -> Result<i64, Error> {
    match &raw.version {
        Some(version) if (1..=NEWEST_VERSION).contains(version.get_ref()) => Ok(*version.get_ref()),
        Some(version) => Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            line: Some(lines.line_of(version)),
            what: "Cargo.lock `version`",
            found: version.get_ref().to_string(),
            supported: "lock versions 1 to 4",
        }),
        None if raw.root.is_some() || !v1_checksums(raw.metadata.as_ref()).is_empty() => Ok(1),
        None => Ok(2),
    }
}

/// The v1 `[metadata]` checksums by key (`"checksum NAME VERSION (SOURCE)"`), without the
/// `<none>` entries.
fn v1_checksums(metadata: Option<&toml::Table>) -> HashMap<&str, &str> {
    metadata
        .into_iter()
        .flatten()
        .filter(|(key, _)| key.starts_with(V1_CHECKSUM_PREFIX))
        .filter_map(|(key, value)| Some((key.as_str(), value.as_str()?)))
        .filter(|(_, value)| *value != V1_NO_CHECKSUM)
        .collect()
}

/// Every locked version of each crate name, members included.
fn versions_by_name(raw: &RawLock) -> HashMap<&str, Vec<&str>> {
    let mut versions: HashMap<&str, Vec<&str>> = HashMap::with_capacity(raw.package.len());
    for package in raw
        .package
        .iter()
        .map(Spanned::get_ref)
        .chain(raw.root.as_ref())
    {
        versions
            .entry(package.name.as_str())
            .or_default()
            .push(package.version.as_str());
    }
    versions
}

/// The `(name, version)` of every package a workspace member or path package depends on.
fn direct_dependencies<'a>(
    raw: &'a RawLock,
    versions_by_name: &HashMap<&'a str, Vec<&'a str>>,
) -> std::collections::HashSet<(&'a str, &'a str)> {
    raw.package
        .iter()
        .map(Spanned::get_ref)
        .chain(raw.root.as_ref())
        .filter(|package| package.source.is_none())
        .flat_map(|member| &member.dependencies)
        .filter_map(|dependency| {
            let (name, version, _) = split_dependency(dependency);
            Some((
                name,
                version.or_else(|| only_version(versions_by_name, name))?,
            ))
        })
        .collect()
}

/// Splits a dependency entry `"NAME"`, `"NAME VERSION"` or `"NAME VERSION (SOURCE)"`.
fn split_dependency(entry: &str) -> (&str, Option<&str>, Option<&str>) {
    let mut parts = entry.splitn(3, ' ');
    let name = parts.next().unwrap_or_default();
    let version = parts.next();
    let source = parts
        .next()
        .map(|source| source.trim_start_matches('(').trim_end_matches(')'));
    (name, version, source)
}

/// The version of `name` when the lock holds exactly one (cargo's rule for writing `"NAME"`).
fn only_version<'a>(
    versions_by_name: &HashMap<&'a str, Vec<&'a str>>,
    name: &str,
) -> Option<&'a str> {
    match versions_by_name.get(name).map(Vec::as_slice) {
        Some([version]) => Some(version),
        _ => None,
    }
}

/// The dependency edge of one `dependencies` entry, with the version resolved when the
/// entry leaves it out.
fn edge(entry: &str, versions_by_name: &HashMap<&str, Vec<&str>>) -> DependencyEdge {
    let (name, version, _) = split_dependency(entry);
    DependencyEdge {
        name: name.to_owned(),
        version: version
            .or_else(|| only_version(versions_by_name, name))
            .map(str::to_owned),
    }
}

/// The model source of a Cargo source id. Registry ids are kept whole
/// (`registry+https://github.com/rust-lang/crates.io-index`, `sparse+https://...`) so they
/// compare with `tollgate_model::defaults::CRATES_IO_LOCK_SOURCE`; git ids
/// `git+URL?branch=NAME#COMMIT` are split by [`common::git_source`].
fn source(source_id: &str) -> Source {
    if source_id.starts_with("registry+") || source_id.starts_with("sparse+") {
        return Source::Registry {
            url: Some(source_id.to_owned()),
        };
    }
    if source_id.starts_with("git+") {
        return common::git_source(source_id);
    }
    Source::Unknown
}

/// The checksum as a SHA-256 hash, if it is 64 hex digits.
fn sha256(checksum: &str) -> Option<Hash> {
    common::hash("sha256", checksum).filter(|_| checksum.len() == 64)
}

/// Records the checksum of the package's `.crate` file (cargo verifies the download with it).
fn attach_crate_checksum(package: &mut Package, hash: Hash) {
    package.artifacts.push(Artifact {
        kind: ArtifactKind::Crate,
        filename: Some(format!("{}-{}.crate", package.name, package.version)),
        url: None,
        hashes: vec![hash.clone()],
        size: None,
        upload_time: None,
    });
    package.hashes.push(hash);
}
