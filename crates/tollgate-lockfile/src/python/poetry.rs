//! The parser for Poetry's `poetry.lock`, lock versions 1.x (files under
//! `[metadata.files]`, `category = "main" | "dev"`) and 2.x (`files` in each package,
//! `groups = [...]`).
//!
//! The lock does not record the project's own dependencies (they are in `pyproject.toml`),
//! so `direct` is left unknown. A package whose groups do not include `main` (or whose
//! 1.x category is `dev`) is a dev dependency; `optional = true` marks a package that only
//! an extra installs.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;
use tollgate_model::{
    DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source, normalize_name,
};
use toml::Spanned;

use crate::Error;
use crate::python::common;
use crate::python::toml_input::{self, SpanLines};

/// The lock-version majors this parser reads.
const SUPPORTED_MAJORS: [&str; 2] = ["1", "2"];

/// Poetry's name for the production group.
const MAIN_GROUP: &str = "main";

#[derive(Deserialize)]
struct RawLock {
    #[serde(default)]
    package: Vec<Spanned<RawPackage>>,
    metadata: Option<RawMetadata>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawMetadata {
    lock_version: Option<Spanned<String>>,
    /// 1.x: the files of every package, by package name.
    #[serde(default)]
    files: BTreeMap<String, Vec<RawFile>>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    category: Option<String>,
    #[serde(default)]
    optional: bool,
    groups: Option<Vec<String>>,
    files: Option<Vec<RawFile>>,
    source: Option<RawSource>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
}

#[derive(Deserialize)]
struct RawFile {
    file: String,
    hash: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
struct RawSource {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    reference: Option<String>,
    resolved_reference: Option<String>,
}

/// Parses a `poetry.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let raw: RawLock = toml_input::from_str(path, text, "a poetry.lock document")?;
    let lines = SpanLines::new(text);
    let mut lockfile = Lockfile::new(path, LockfileFormat::PoetryLock);
    if let Some(version) = raw.metadata.as_ref().and_then(|m| m.lock_version.as_ref()) {
        lockfile.format_version = Some(toml_input::checked_lock_version(
            path,
            &lines,
            version,
            &SUPPORTED_MAJORS,
            "poetry.lock `lock-version`",
            "lock versions 1.x and 2.x",
        )?);
    }
    let v1_files: HashMap<String, &Vec<RawFile>> = raw
        .metadata
        .iter()
        .flat_map(|metadata| &metadata.files)
        .map(|(name, files)| (normalize_name(Ecosystem::PyPI, name), files))
        .collect();
    let versions = versions_by_name(&raw.package);

    for entry in &raw.package {
        let raw_package = entry.get_ref();
        let line = lines.line_of(entry);
        let mut package = Package::new(
            Ecosystem::PyPI,
            raw_package.name.as_str(),
            raw_package.version.as_str(),
        );
        package.line = Some(line);
        package.source = source(raw_package.source.as_ref());
        set_scope(raw_package, &mut package);
        package.dependencies = raw_package
            .dependencies
            .iter()
            .map(|(name, requirement)| edge(name, requirement, &versions))
            .collect();
        let files = raw_package
            .files
            .as_ref()
            .or_else(|| v1_files.get(&package.normalized_name).copied());
        let artifacts = files
            .into_iter()
            .flatten()
            .filter_map(|file| {
                let kind = common::artifact_kind(&file.file)?;
                let hashes = file.hash.as_deref().and_then(common::parse_prefixed_hash);
                if hashes.is_none() && file.hash.is_some() {
                    lockfile.warnings.push(common::warning(
                        path,
                        Some(line),
                        format!("hash of {} is not `ALGORITHM:HEX`; ignored", file.file),
                    ));
                }
                Some(common::artifact(
                    kind,
                    Some(&file.file),
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

fn set_scope(raw: &RawPackage, package: &mut Package) {
    package.scope.optional = raw.optional;
    match (&raw.groups, raw.category.as_deref()) {
        (Some(groups), _) if !groups.iter().any(|group| group == MAIN_GROUP) => {
            package.scope.dev = true;
            package.scope.groups = groups.clone();
        }
        (None, Some(category)) if category != MAIN_GROUP => {
            package.scope.dev = true;
            package.scope.groups = vec![category.to_owned()];
        }
        _ => {}
    }
}

fn source(raw: Option<&RawSource>) -> Source {
    let Some(raw) = raw else {
        return Source::Registry { url: None };
    };
    let url = raw.url.clone().unwrap_or_default();
    match raw.kind.as_str() {
        "git" => Source::Git {
            url,
            reference: raw.reference.clone(),
            commit: raw.resolved_reference.clone(),
        },
        "url" => Source::Url { url },
        "directory" | "file" => Source::Path {
            path: url,
            local_kind: raw.kind.clone(),
        },
        // `legacy` (a PEP 503 simple index) and other named repositories.
        _ => Source::Registry { url: Some(url) },
    }
}

fn versions_by_name(packages: &[Spanned<RawPackage>]) -> HashMap<String, Vec<&str>> {
    let mut versions: HashMap<String, Vec<&str>> = HashMap::new();
    for package in packages.iter().map(Spanned::get_ref) {
        versions
            .entry(normalize_name(Ecosystem::PyPI, &package.name))
            .or_default()
            .push(package.version.as_str());
    }
    versions
}

/// An edge to the locked version when the lock holds exactly one version of the name,
/// else to the requirement as written (`"^2.0"`, `{version = ">=1", markers = ...}`).
fn edge(
    name: &str,
    requirement: &toml::Value,
    versions: &HashMap<String, Vec<&str>>,
) -> DependencyEdge {
    let locked = match versions
        .get(&normalize_name(Ecosystem::PyPI, name))
        .map(Vec::as_slice)
    {
        Some([version]) => Some((*version).to_owned()),
        _ => None,
    };
    let written = match requirement {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Table(table) => table
            .get("version")
            .and_then(toml::Value::as_str)
            .map(str::to_owned),
        _ => None,
    };
    DependencyEdge {
        name: name.to_owned(),
        version: locked.or(written),
    }
}
