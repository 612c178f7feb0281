//! The parser for PEP 751 lockfiles, `pylock.toml` and `pylock.NAME.toml`
//! (`lock-version = "1.x"`).
//!
//! Every `[[packages]]` entry is a package, except a local `directory` entry without a
//! version: that is the project itself (pip writes `{ name = "self", directory = { path =
//! "." } }`), whose code is not a dependency. PEP 751 records no groups per package (they
//! are marker expressions) and no root, so scope and `direct` are left unknown.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use tollgate_model::{
    Artifact, ArtifactKind, DependencyEdge, Ecosystem, Hash, Lockfile, LockfileFormat, Package,
    Source,
};
use toml::Spanned;

use crate::Error;
use crate::python::common;
use crate::python::toml_input::{self, SpanLines};

/// The lock-version major this parser reads.
const SUPPORTED_MAJOR: &str = "1";

/// The document; the per-package strings borrow from the text (one allocation fewer each).
#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawLock<'a> {
    lock_version: Spanned<String>,
    #[serde(default, borrow)]
    packages: Vec<Spanned<RawPackage<'a>>>,
}

#[derive(Deserialize)]
struct RawPackage<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    version: Option<Cow<'a, str>>,
    index: Option<String>,
    #[serde(default)]
    dependencies: Vec<RawDependency>,
    vcs: Option<RawVcs>,
    directory: Option<RawDirectory>,
    #[serde(borrow)]
    archive: Option<RawFile<'a>>,
    #[serde(borrow)]
    sdist: Option<RawFile<'a>>,
    #[serde(default, borrow)]
    wheels: Vec<RawFile<'a>>,
}

#[derive(Deserialize)]
struct RawDependency {
    name: Option<String>,
    version: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawVcs {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    path: Option<String>,
    requested_revision: Option<String>,
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct RawDirectory {
    path: String,
    #[serde(default)]
    editable: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    url: Option<Cow<'a, str>>,
    path: Option<String>,
    size: Option<u64>,
    upload_time: Option<toml::Value>,
    /// Algorithm → hex digest.
    #[serde(default, borrow)]
    hashes: BTreeMap<Cow<'a, str>, Cow<'a, str>>,
}

/// Parses a `pylock.toml`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    if text.trim().is_empty() {
        // An empty file locks nothing (osv-scalibr reads it the same way); any other
        // file must carry the version marker.
        return Ok(Lockfile::new(path, LockfileFormat::Pylock));
    }
    let raw: RawLock = toml_input::from_str(path, text, "a pylock.toml (PEP 751) document")?;
    let lines = SpanLines::new(text);
    let version = toml_input::checked_lock_version(
        path,
        &lines,
        &raw.lock_version,
        &[SUPPORTED_MAJOR],
        "pylock.toml `lock-version`",
        "lock-version 1.x",
    )?;
    let mut lockfile = Lockfile::new(path, LockfileFormat::Pylock);
    lockfile.format_version = Some(version);

    for entry in &raw.packages {
        let raw_package = entry.get_ref();
        if raw_package.version.is_none() && raw_package.directory.is_some() {
            continue; // The project itself: see the module docs.
        }
        let line = lines.line_of(entry);
        let mut package = Package::new(
            Ecosystem::PyPI,
            raw_package.name.as_ref(),
            raw_package.version.as_deref().unwrap_or_default(),
        );
        package.line = Some(line);
        package.source = source(raw_package);
        package.dependencies = raw_package
            .dependencies
            .iter()
            .filter_map(|dependency| {
                Some(DependencyEdge {
                    name: dependency.name.clone()?,
                    version: dependency.version.clone(),
                })
            })
            .collect();
        let mut artifacts = Vec::new();
        let files = raw_package
            .sdist
            .iter()
            .map(|file| (Some(ArtifactKind::Sdist), file))
            .chain(
                raw_package
                    .wheels
                    .iter()
                    .map(|file| (Some(ArtifactKind::Wheel), file)),
            )
            .chain(raw_package.archive.iter().map(|file| (None, file)));
        for (kind, file) in files {
            let location = file.url.as_deref().or(file.path.as_deref());
            let file_name = file.name.as_deref().or(location.map(common::file_name));
            // An archive is an sdist or a wheel; which one only its file name tells.
            let Some(kind) = kind.or_else(|| file_name.and_then(common::artifact_kind)) else {
                continue;
            };
            artifacts.push(artifact(
                kind,
                file_name,
                file,
                path,
                line,
                &mut lockfile.warnings,
            ));
        }
        common::add_artifacts(&mut package, artifacts);
        lockfile.packages.push(package);
    }
    Ok(lockfile)
}

fn source(raw: &RawPackage<'_>) -> Source {
    if let Some(vcs) = &raw.vcs {
        let location = vcs
            .url
            .clone()
            .or_else(|| vcs.path.clone())
            .unwrap_or_default();
        return if vcs.kind == "git" {
            Source::Git {
                url: location,
                reference: vcs.requested_revision.clone(),
                commit: vcs.commit_id.clone(),
            }
        } else {
            Source::Url { url: location }
        };
    }
    if let Some(directory) = &raw.directory {
        return Source::Path {
            path: directory.path.clone(),
            local_kind: if directory.editable {
                "editable"
            } else {
                "directory"
            }
            .to_owned(),
        };
    }
    if let Some(archive) = &raw.archive {
        if let Some(url) = &archive.url {
            return Source::Url {
                url: url.to_string(),
            };
        }
        if let Some(local) = &archive.path {
            return Source::Path {
                path: local.clone(),
                local_kind: "path".to_owned(),
            };
        }
    }
    Source::Registry {
        url: raw.index.clone(),
    }
}

fn artifact(
    kind: ArtifactKind,
    file_name: Option<&str>,
    file: &RawFile<'_>,
    path: &str,
    line: u32,
    warnings: &mut Vec<tollgate_model::FileError>,
) -> Artifact {
    let mut hashes: Vec<Hash> = Vec::with_capacity(file.hashes.len());
    for (algorithm, digest) in &file.hashes {
        match common::hash(algorithm, digest) {
            Some(hash) => hashes.push(hash),
            None => warnings.push(common::warning(
                path,
                Some(line),
                format!("hash `{algorithm}` is not a hex string; ignored"),
            )),
        }
    }
    let mut artifact = common::artifact(kind, file_name, file.url.as_deref(), hashes);
    artifact.size = file.size;
    artifact.upload_time = file.upload_time.as_ref().and_then(|time| match time {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Datetime(datetime) => Some(datetime.to_string()),
        _ => None,
    });
    artifact
}
