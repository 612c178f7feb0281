//! The parser for PDM's `pdm.lock` (`[metadata] lock_version` 3.x and 4.x).
//!
//! Each package lists the `groups` that need it; `default` is production. Any other group
//! is a dev dependency group or an extra: the lock does not tell which, so such packages
//! are marked `dev` with the group names recorded. The lock does not record which
//! packages `pyproject.toml` names, so `direct` is unknown.

use std::borrow::Cow;

use serde::Deserialize;
use tollgate_model::{DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source};
use toml::Spanned;

use crate::Error;
use crate::python::common;
use crate::python::toml_input::{self, SpanLines};

/// The lock_version majors this parser reads.
const SUPPORTED_MAJORS: [&str; 2] = ["3", "4"];

/// PDM's production group.
const DEFAULT_GROUP: &str = "default";

/// The document; the per-package strings borrow from the text (one allocation fewer each).
#[derive(Deserialize)]
struct RawLock<'a> {
    #[serde(default, borrow)]
    package: Vec<Spanned<RawPackage<'a>>>,
    metadata: Option<RawMetadata>,
}

#[derive(Deserialize)]
struct RawMetadata {
    lock_version: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct RawPackage<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default, borrow)]
    dependencies: Vec<Cow<'a, str>>,
    #[serde(default, borrow)]
    files: Vec<RawFile<'a>>,
    git: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    revision: Option<String>,
    url: Option<String>,
    path: Option<String>,
    editable: Option<String>,
}

#[derive(Deserialize)]
struct RawFile<'a> {
    #[serde(borrow)]
    file: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
    #[serde(borrow)]
    hash: Option<Cow<'a, str>>,
}

/// Parses a `pdm.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let raw: RawLock = toml_input::from_str(path, text, "a pdm.lock document")?;
    let lines = SpanLines::new(text);
    let mut lockfile = Lockfile::new(path, LockfileFormat::PdmLock);
    if let Some(version) = raw.metadata.as_ref().and_then(|m| m.lock_version.as_ref()) {
        lockfile.format_version = Some(toml_input::checked_lock_version(
            path,
            &lines,
            version,
            &SUPPORTED_MAJORS,
            "pdm.lock `lock_version`",
            "lock versions 3.x and 4.x",
        )?);
    }

    for entry in &raw.package {
        let raw_package = entry.get_ref();
        let line = lines.line_of(entry);
        let mut package = Package::new(
            Ecosystem::PyPI,
            raw_package.name.as_ref(),
            raw_package.version.as_deref().unwrap_or_default(),
        );
        package.line = Some(line);
        package.source = source(raw_package);
        if !raw_package.groups.is_empty()
            && !raw_package
                .groups
                .iter()
                .any(|group| group == DEFAULT_GROUP)
        {
            package.scope.dev = true;
            package.scope.groups = raw_package.groups.clone();
        }
        package.dependencies = raw_package
            .dependencies
            .iter()
            .map(|requirement| requirement_edge(requirement))
            .collect();
        let artifacts = raw_package
            .files
            .iter()
            .filter_map(|file| {
                let location = file.file.as_deref().or(file.url.as_deref())?;
                let file_name = common::file_name(location);
                let kind = common::artifact_kind(file_name)?;
                let hashes = file.hash.as_deref().and_then(common::parse_prefixed_hash);
                Some(common::artifact(
                    kind,
                    Some(file_name),
                    file.url.as_deref(),
                    hashes.into_iter().collect(),
                ))
            })
            .collect();
        common::add_artifacts(&mut package, artifacts);
        lockfile.packages.push(package);
    }
    Ok(lockfile)
}

fn source(raw: &RawPackage<'_>) -> Source {
    if let Some(git) = &raw.git {
        Source::Git {
            url: git.strip_prefix("git+").unwrap_or(git).to_owned(),
            reference: raw.reference.clone(),
            commit: raw.revision.clone(),
        }
    } else if let Some(url) = &raw.url {
        Source::Url { url: url.clone() }
    } else if let Some(path) = &raw.editable {
        Source::Path {
            path: path.clone(),
            local_kind: "editable".to_owned(),
        }
    } else if let Some(path) = &raw.path {
        Source::Path {
            path: path.clone(),
            local_kind: "path".to_owned(),
        }
    } else {
        Source::Registry { url: None }
    }
}

/// A dependency written as a PEP 508 requirement (`"idna>=2.5"`, `"foo[bar]; marker"`):
/// the name, and the requirement text after it as the version.
pub(crate) fn requirement_edge(requirement: &str) -> DependencyEdge {
    let requirement = requirement.split(';').next().unwrap_or_default().trim();
    let name_end = requirement
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(requirement.len());
    let (name, rest) = requirement.split_at(name_end);
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix('[') {
        Some(after) => after.split_once(']').map_or("", |(_, tail)| tail).trim(),
        None => rest,
    };
    DependencyEdge {
        name: name.to_owned(),
        version: (!rest.is_empty()).then(|| rest.to_owned()),
    }
}
