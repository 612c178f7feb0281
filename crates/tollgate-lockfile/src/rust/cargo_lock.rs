//! The parser for Cargo's `Cargo.lock`, lock versions 1 to 4.
//!
//! What counts as a package (the same choice as cargo-audit and cargo-deny): every
//! `[[package]]` entry with a `source`, that is a crate from a registry or a git
//! repository. Entries without a `source` are workspace members or path dependencies: they
//! are built from the local tree, no advisory database can list them, so they are left out
//! of `packages` and recorded in `local_packages`, with their `dependencies`: a package they
//! depend on is `direct`.
//!
//! Versions: v1 (no `version` key, checksums in `[metadata]` as
//! `"checksum NAME VERSION (SOURCE)" = "HEX"`, dependencies always `"NAME VERSION (SOURCE)"`,
//! and in the oldest files the first member under `[root]`), v2 (no `version` key, a
//! `checksum` per package, dependencies shortened to `"NAME"` when unambiguous), v3
//! (`version = 3`) and v4 (`version = 4`, same fields).
//!
//! Parsing: files in the exact layout cargo writes go through a line reader
//! ([`read_cargo_layout`]), about twice as fast as the `toml` crate on real lockfiles;
//! anything else (v1 tables, hand edits, invalid files) through the `toml` crate, which
//! also words every error.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Deserialize;
use tollgate_model::{
    Artifact, ArtifactKind, DependencyEdge, Ecosystem, Hash, LocalPackage, Lockfile,
    LockfileFormat, Package, Source,
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

/// The document, borrowing its strings from the text where TOML escapes allow (it saves
/// an allocation per string: most of the parse time after the TOML syntax itself).
#[derive(Deserialize)]
struct RawLock<'a> {
    version: Option<Spanned<i64>>,
    #[serde(default, borrow)]
    package: Vec<Spanned<RawPackage<'a>>>,
    /// The first workspace member in the oldest v1 files.
    #[serde(borrow)]
    root: Option<RawPackage<'a>>,
    /// v1 checksums (and nothing else we read).
    metadata: Option<toml::Table>,
}

#[derive(Deserialize, Default, Debug, PartialEq)]
struct RawPackage<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(borrow)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow)]
    checksum: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    dependencies: Vec<Cow<'a, str>>,
}

/// Parses a `Cargo.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let raw: RawLock = match read_cargo_layout(text) {
        Some(raw) => raw,
        None => toml_input::from_str(path, text, "a Cargo.lock document")?,
    };
    let lines = SpanLines::new(text);
    let mut lockfile = Lockfile::new(path, LockfileFormat::CargoLock);
    lockfile.format_version = Some(lock_version(path, &raw, &lines)?.to_string());

    let v1_checksums = v1_checksums(raw.metadata.as_ref());
    let versions_by_name = versions_by_name(&raw);
    let direct = direct_dependencies(&raw, &versions_by_name);

    if let Some(root) = &raw.root {
        lockfile
            .local_packages
            .push(local_package(root, None, &versions_by_name));
    }
    for entry in &raw.package {
        let line = lines.line_of(entry);
        let raw_package = entry.get_ref();
        let Some(source_id) = &raw_package.source else {
            // A workspace member or path dependency: see the module docs.
            let local = local_package(raw_package, Some(line), &versions_by_name);
            lockfile.local_packages.push(local);
            continue;
        };
        let checksum = raw_package.checksum.as_deref().or_else(|| {
            if v1_checksums.is_empty() {
                return None;
            }
            let key = format!(
                "{V1_CHECKSUM_PREFIX}{} {} ({source_id})",
                raw_package.name, raw_package.version
            );
            v1_checksums.get(key.as_str()).copied()
        });
        let mut package = Package::new(
            Ecosystem::CratesIo,
            raw_package.name.as_ref(),
            raw_package.version.as_ref(),
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
            Some(direct.contains(&(raw_package.name.as_ref(), raw_package.version.as_ref())));
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
fn lock_version(path: &str, raw: &RawLock<'_>, lines: &SpanLines<'_>) -> Result<i64, Error> {
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
fn versions_by_name<'a>(raw: &'a RawLock<'_>) -> HashMap<&'a str, Vec<&'a str>> {
    let mut versions: HashMap<&str, Vec<&str>> = HashMap::with_capacity(raw.package.len());
    for package in raw
        .package
        .iter()
        .map(Spanned::get_ref)
        .chain(raw.root.as_ref())
    {
        versions
            .entry(package.name.as_ref())
            .or_default()
            .push(package.version.as_ref());
    }
    versions
}

/// The `(name, version)` of every package a workspace member or path package depends on.
fn direct_dependencies<'a>(
    raw: &'a RawLock<'_>,
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

/// A workspace member or path crate, with its resolved edges.
fn local_package(
    raw: &RawPackage<'_>,
    line: Option<u32>,
    versions_by_name: &HashMap<&str, Vec<&str>>,
) -> LocalPackage {
    LocalPackage {
        name: raw.name.clone().into_owned(),
        version: raw.version.clone().into_owned(),
        dependencies: raw
            .dependencies
            .iter()
            .map(|dependency| edge(dependency, versions_by_name))
            .collect(),
        line,
    }
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

/// Reads the exact layout cargo writes (`version = N`, then `[[package]]` tables of
/// `key = "string"` lines and a one-entry-per-line `dependencies` array, with `#` comment
/// lines) in one pass over the lines, several times faster than a general TOML parser.
///
/// Returns `None` at the first line outside that layout (another table, an escape in a
/// string, an inline array, a repeated key, a missing name or version ...): the caller
/// then parses the file with the `toml` crate, which reads every valid file and reports
/// the errors. What this accepts is a strict subset of TOML with one meaning, and the
/// tests check it agrees with the `toml` crate.
fn read_cargo_layout(text: &str) -> Option<RawLock<'_>> {
    let mut version = None;
    let mut packages: Vec<Spanned<RawPackage<'_>>> = Vec::new();
    let mut current: Option<(usize, RawPackage<'_>)> = None;
    let mut lines = LayoutLines { text, offset: 0 };
    while let Some((start, line)) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if line.starts_with('#') {
            // TOML allows no control character but tab in a comment.
            if line.bytes().any(is_control) {
                return None;
            }
            continue;
        }
        if line == "[[package]]" {
            if let Some(finished) = current.take() {
                packages.push(finish_package(finished, start)?);
            }
            current = Some((start, RawPackage::default()));
            continue;
        }
        let (key, value) = line.split_once(" = ")?;
        let Some((_, package)) = current.as_mut() else {
            // Before the first table only `version = N` may appear.
            if key != "version" || version.is_some() || value.is_empty() {
                return None;
            }
            if !value.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let value_start = start + key.len() + 3;
            version = Some(Spanned::new(
                value_start..value_start + value.len(),
                value.parse().ok()?,
            ));
            continue;
        };
        match key {
            "dependencies" if value == "[" && package.dependencies.is_empty() => {
                package.dependencies = read_dependency_lines(&mut lines)?;
            }
            // Empty values (which cargo never writes) are declined, so an empty field
            // always means "not seen yet" and a repeated key is always caught.
            "name" if package.name.is_empty() => package.name = non_empty(value)?.into(),
            "version" if package.version.is_empty() => {
                package.version = non_empty(value)?.into();
            }
            "source" if package.source.is_none() => {
                package.source = Some(basic_string(value)?.into());
            }
            "checksum" if package.checksum.is_none() => {
                package.checksum = Some(basic_string(value)?.into());
            }
            _ => return None,
        }
    }
    if let Some(finished) = current.take() {
        packages.push(finish_package(finished, text.len())?);
    }
    Some(RawLock {
        version,
        package: packages,
        root: None,
        metadata: None,
    })
}

/// The lines of `text` with the byte offset where each starts, without line endings.
struct LayoutLines<'a> {
    text: &'a str,
    offset: usize,
}

impl<'a> Iterator for LayoutLines<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self
            .text
            .get(self.offset..)
            .filter(|rest| !rest.is_empty())?;
        let start = self.offset;
        let line = rest.split_inclusive('\n').next().unwrap_or(rest);
        self.offset += line.len();
        let line = line.strip_suffix('\n').unwrap_or(line);
        Some((start, line.strip_suffix('\r').unwrap_or(line)))
    }
}

/// The entries of a `dependencies = [` array, one ` "ENTRY",` line each, up to `]`.
fn read_dependency_lines<'a>(lines: &mut LayoutLines<'a>) -> Option<Vec<Cow<'a, str>>> {
    let mut dependencies = Vec::new();
    loop {
        let (_, line) = lines.next()?;
        if line == "]" {
            return (!dependencies.is_empty()).then_some(dependencies);
        }
        let entry = line.strip_prefix(' ')?.strip_suffix(',')?;
        dependencies.push(Cow::Borrowed(basic_string(entry)?));
    }
}

/// The contents of `"..."` when it needs no unescaping (no `\`, no quote, no control
/// character); `None` for anything else.
fn basic_string(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('"')?.strip_suffix('"')?;
    let plain = inner
        .bytes()
        .all(|b| b != b'"' && b != b'\\' && !is_control(b));
    plain.then_some(inner)
}

/// A control character TOML forbids in strings and comments (all but tab).
fn is_control(byte: u8) -> bool {
    (byte < 0x20 && byte != b'\t') || byte == 0x7f
}

/// A [`basic_string`] with at least one character.
fn non_empty(value: &str) -> Option<&str> {
    basic_string(value).filter(|inner| !inner.is_empty())
}

/// A finished `[[package]]` table spanning `start..end`, if it has a name and a version.
fn finish_package<'a>(
    (start, package): (usize, RawPackage<'a>),
    end: usize,
) -> Option<Spanned<RawPackage<'a>>> {
    (!package.name.is_empty() && !package.version.is_empty())
        .then(|| Spanned::new(start..end, package))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader and the `toml` crate agree on `text` (or the fast reader declines).
    fn assert_layout_agrees(name: &str, text: &str) -> bool {
        let Some(fast) = read_cargo_layout(text) else {
            return false;
        };
        let full: RawLock = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            fast.version.as_ref().map(|v| (*v.get_ref(), v.span())),
            full.version.as_ref().map(|v| (*v.get_ref(), v.span())),
            "{name}"
        );
        assert_eq!(fast.package.len(), full.package.len(), "{name}");
        for (fast, full) in fast.package.iter().zip(&full.package) {
            assert_eq!(fast.get_ref(), full.get_ref(), "{name}");
            assert_eq!(fast.span().start, full.span().start, "{name}");
        }
        true
    }

    #[test]
    fn fast_reader_agrees_with_toml_on_cargo_output() {
        let fixtures = [
            (
                "v4",
                include_str!("../../tests/fixtures/cargo/v4-workspace.lock"),
            ),
            (
                "v3",
                include_str!("../../tests/fixtures/cargo/v3-single.lock"),
            ),
            (
                "comments",
                include_str!("../../tests/fixtures/cargo/scalibr-git-source.lock"),
            ),
        ];
        for (name, text) in fixtures {
            assert!(assert_layout_agrees(name, text), "{name}: declined");
            let crlf = text.replace('\n', "\r\n");
            assert!(assert_layout_agrees(name, &crlf), "{name} CRLF: declined");
        }
    }

    #[test]
    fn fast_reader_declines_what_it_does_not_know() {
        let declined = [
            // v1 tables, escapes, inline arrays, repeated keys, unknown keys, missing name.
            include_str!("../../tests/fixtures/cargo/v1-root-metadata.lock"),
            "[[package]]\nname = \"a\\u0041\"\nversion = \"1\"\n",
            "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\"b\"]\n",
            "[[package]]\nname = \"a\"\nname = \"b\"\nversion = \"1\"\n",
            "[[package]]\nname = \"a\"\nversion = \"1\"\nreplace = \"x\"\n",
            "[[package]]\nversion = \"1\"\n",
            "version = 3\nversion = 4\n",
            "version = \"3\"\n",
            "[[package]]\nname = \"a\" # comment\nversion = \"1\"\n",
            "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\n \"b\",\n",
            "[[package]]\nname = \"\"\nname = \"a\"\nversion = \"1\"\n",
            "[[package]]\nname = \"a\"\nversion = \"1\"\ndependencies = [\n]\n",
        ];
        for text in declined {
            assert!(read_cargo_layout(text).is_none(), "{text}");
        }
    }

    /// Whenever the fast reader accepts an edited file, the `toml` crate reads the same.
    #[test]
    fn fast_reader_never_accepts_what_toml_reads_differently() {
        let base = include_str!("../../tests/fixtures/cargo/v4-workspace.lock");
        let edits = [
            "\"", "\\", "[", "]", "\n", " ", "#", "=", ",", "'", "\t", "\r", "x",
        ];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % 1_000_000).unwrap_or(0)
        };
        let mut accepted = 0;
        for _ in 0..3000 {
            let mut text = base.to_owned();
            for _ in 0..1 + next() % 3 {
                let at = next() % text.len();
                if !text.is_char_boundary(at) {
                    continue;
                }
                if next() % 2 == 0 {
                    text.insert_str(at, edits[next() % edits.len()]);
                } else if text.is_char_boundary(at + 1) {
                    text.remove(at);
                }
            }
            if read_cargo_layout(&text).is_some() {
                assert_layout_agrees("mutated", &text);
                accepted += 1;
            }
        }
        assert!(
            accepted > 100,
            "only {accepted} edited files were in cargo's layout"
        );
    }

    #[test]
    fn fast_reader_agrees_on_the_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        let dir = std::path::Path::new("/tmp/corpus/lockfiles/Cargo.lock");
        if !root.is_dir() || !dir.is_dir() {
            println!("skipped: corpus not present or not unpacked");
            return;
        }
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path().join("Cargo.lock");
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            assert!(assert_layout_agrees(&name, &text), "{name}: declined");
        }
    }
}
