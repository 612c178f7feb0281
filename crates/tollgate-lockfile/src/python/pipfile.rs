//! The parser for Pipenv's `Pipfile.lock` (JSON, `_meta.pipfile-spec` 6).
//!
//! `default` holds production packages and `develop` dev packages (scope `dev`, group
//! `develop`); a package in both at the same version is production; at
//! different versions both are kept. Pinned versions are written `"==1.0"`;
//! git and path entries have no version and are kept with an empty version and their
//! git or path source. The lock does not record which packages the Pipfile names, so
//! `direct` is unknown. `index` names one of `_meta.sources`, whose URL becomes the
//! registry URL.
//!
//! Lines: serde_json does not report positions, so each entry's line is found by
//! searching for its key (`"name": {`) inside its section after parsing; a key with JSON
//! escapes is simply left without a line.

use std::cell::Cell;
use std::collections::BTreeMap;

use serde::Deserialize;
use tollgate_model::{Ecosystem, Lockfile, LockfileFormat, Package, Source};

use crate::Error;
use crate::lines::LineIndex;
use crate::python::common;

/// The `pipfile-spec` this parser reads.
const SUPPORTED_SPEC: u64 = 6;

#[derive(Deserialize)]
struct RawLock {
    #[serde(rename = "_meta", default)]
    meta: RawMeta,
    #[serde(default)]
    default: BTreeMap<String, RawEntry>,
    #[serde(default)]
    develop: BTreeMap<String, RawEntry>,
}

#[derive(Deserialize, Default)]
struct RawMeta {
    #[serde(rename = "pipfile-spec")]
    pipfile_spec: Option<u64>,
    #[serde(default)]
    sources: Vec<RawIndex>,
}

#[derive(Deserialize)]
struct RawIndex {
    name: String,
    url: String,
}

#[derive(Deserialize)]
struct RawEntry {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    index: Option<String>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    file: Option<String>,
    #[serde(default)]
    editable: bool,
}

/// Parses a `Pipfile.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let raw: RawLock = serde_json::from_str(text).map_err(|error| {
        Error::syntax(
            path,
            u32::try_from(error.line()).ok().filter(|&line| line > 0),
            u32::try_from(error.column())
                .ok()
                .filter(|&column| column > 0),
            format!(
                "invalid JSON or unexpected structure (expected a Pipfile.lock document): {error}"
            ),
        )
    })?;
    if let Some(spec) = raw.meta.pipfile_spec.filter(|&spec| spec != SUPPORTED_SPEC) {
        return Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            line: LineIndex::new(text)
                .line(text.find("\"pipfile-spec\"").unwrap_or(0))
                .into(),
            what: "Pipfile.lock `_meta.pipfile-spec`",
            found: spec.to_string(),
            supported: "pipfile-spec 6",
        });
    }
    let mut lockfile = Lockfile::new(path, LockfileFormat::PipfileLock);
    lockfile.format_version = raw.meta.pipfile_spec.map(|spec| spec.to_string());
    let lines = EntryLines::new(text);

    for (name, entry) in &raw.default {
        let mut package = package(name, entry, &raw.meta.sources);
        package.line = lines.line("default", name);
        lockfile.packages.push(package);
    }
    for (name, entry) in &raw.develop {
        if raw
            .default
            .get(name)
            .is_some_and(|prod| prod.version == entry.version)
        {
            continue; // Installed for production anyway.
        }
        // A different version under `develop` is kept: `pipenv install --dev` may install
        // either one, so both are checked.
        let mut package = package(name, entry, &raw.meta.sources);
        package.line = lines.line("develop", name);
        package.scope.dev = true;
        package.scope.groups = vec!["develop".to_owned()];
        lockfile.packages.push(package);
    }
    lockfile.packages.sort_by_key(|package| package.line);
    Ok(lockfile)
}

fn package(name: &str, entry: &RawEntry, indexes: &[RawIndex]) -> Package {
    let version = entry.version.as_deref().unwrap_or_default();
    let version = version
        .strip_prefix("===")
        .or_else(|| version.strip_prefix("=="))
        .unwrap_or(version);
    let mut package = Package::new(Ecosystem::PyPI, name, version);
    package.hashes = entry
        .hashes
        .iter()
        .filter_map(|hash| common::parse_prefixed_hash(hash))
        .collect();
    package.source = if let Some(git) = &entry.git {
        Source::Git {
            url: git.strip_prefix("git+").unwrap_or(git).to_owned(),
            reference: None,
            commit: entry.reference.clone(),
        }
    } else if let Some(local) = entry.path.as_ref().or(entry.file.as_ref()) {
        Source::Path {
            path: local.clone(),
            local_kind: if entry.editable { "editable" } else { "path" }.to_owned(),
        }
    } else {
        Source::Registry {
            url: entry.index.as_ref().and_then(|index| {
                indexes
                    .iter()
                    .find(|source| &source.name == index)
                    .map(|source| source.url.clone())
            }),
        }
    };
    package
}

/// Finds the line of `"name": {` inside the `"default"` or `"develop"` object. pipenv
/// writes keys sorted, as the maps iterate, so each search starts after the previous hit
/// (linear over the file) and falls back to the section start for hand-sorted files.
struct EntryLines<'a> {
    text: &'a str,
    index: LineIndex,
    /// Where `"default"` and `"develop"` first appear.
    sections: [(&'static str, Option<usize>); 2],
    /// The section start and offset of the previous hit.
    cursor: Cell<(usize, usize)>,
}

impl<'a> EntryLines<'a> {
    fn new(text: &'a str) -> Self {
        let sections =
            ["default", "develop"].map(|section| (section, text.find(&format!("\"{section}\""))));
        EntryLines {
            text,
            index: LineIndex::new(text),
            sections,
            cursor: Cell::new((0, 0)),
        }
    }

    fn line(&self, section: &str, name: &str) -> Option<u32> {
        let section_start = self
            .sections
            .iter()
            .find(|(known, _)| *known == section)
            .and_then(|(_, start)| *start)?;
        let (cursor_section, cursor) = self.cursor.get();
        let key = format!("\"{name}\"");
        let offset = if cursor_section == section_start {
            self.find_key(&key, cursor)
                .or_else(|| self.find_key(&key, section_start))
        } else {
            self.find_key(&key, section_start)
        }?;
        self.cursor.set((section_start, offset));
        Some(self.index.line(offset))
    }

    /// The offset of the first `key` followed by `:` at or after `from`.
    fn find_key(&self, key: &str, from: usize) -> Option<usize> {
        let after = self.text.get(from..)?;
        after.match_indices(key).find_map(|(at, _)| {
            let rest = after.get(at + key.len()..)?.trim_start();
            rest.starts_with(':').then_some(from + at)
        })
    }
}
