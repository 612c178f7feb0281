//! The parser for uv's `uv.lock` (lock `version = 1`, any `revision`).
//!
//! What counts as a package: every `[[package]]` except the project itself and the
//! workspace members, which uv writes with an `editable` or `virtual` source (or lists
//! under `[manifest] members`). Those roots are local code, but their dependency lists say
//! which packages are direct and in which scope: a package reachable from a root's
//! `dependencies` is a production dependency; one reachable only from a root's
//! `dev-dependencies` (dependency groups) is `dev`, and one reachable only from a root's
//! `optional-dependencies` (extras) is `optional`; either way the group or extra names
//! are recorded in `scope.groups`.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Deserialize;
use tollgate_model::{
    ArtifactKind, DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source,
    normalize_name,
};
use toml::Spanned;

use crate::Error;
use crate::python::common;
use crate::python::toml_input::{self, SpanLines};

/// The lock version this parser reads.
const SUPPORTED_VERSION: i64 = 1;

#[derive(Deserialize)]
struct RawLock {
    version: Spanned<i64>,
    revision: Option<i64>,
    #[serde(default)]
    package: Vec<Spanned<RawPackage>>,
    manifest: Option<RawManifest>,
}

#[derive(Deserialize)]
struct RawManifest {
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawPackage {
    name: String,
    version: Option<String>,
    source: Option<RawSource>,
    #[serde(default)]
    dependencies: Vec<RawDependency>,
    #[serde(default)]
    optional_dependencies: BTreeMap<String, Vec<RawDependency>>,
    #[serde(default)]
    dev_dependencies: BTreeMap<String, Vec<RawDependency>>,
    sdist: Option<RawFile>,
    #[serde(default)]
    wheels: Vec<RawFile>,
}

#[derive(Deserialize)]
struct RawSource {
    registry: Option<String>,
    git: Option<String>,
    url: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    editable: Option<String>,
    #[serde(rename = "virtual")]
    virtual_path: Option<String>,
}

#[derive(Deserialize)]
struct RawDependency {
    name: String,
    version: Option<String>,
    #[serde(default)]
    extra: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct RawFile {
    url: Option<String>,
    path: Option<String>,
    filename: Option<String>,
    hash: Option<String>,
    size: Option<u64>,
    upload_time: Option<String>,
}

/// Parses a `uv.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    if text.trim().is_empty() {
        // An empty file locks nothing (osv-scalibr reads it the same way); any other
        // file must carry the version marker.
        return Ok(Lockfile::new(path, LockfileFormat::UvLock));
    }
    let raw: RawLock = toml_input::from_str(path, text, "a uv.lock document")?;
    let lines = SpanLines::new(text);
    if *raw.version.get_ref() != SUPPORTED_VERSION {
        return Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            line: Some(lines.line_of(&raw.version)),
            what: "uv.lock `version`",
            found: raw.version.get_ref().to_string(),
            supported: "version 1",
        });
    }
    let mut lockfile = Lockfile::new(path, LockfileFormat::UvLock);
    lockfile.format_version = Some(match raw.revision {
        Some(revision) => format!("{SUPPORTED_VERSION}.{revision}"),
        None => SUPPORTED_VERSION.to_string(),
    });

    let members: BTreeSet<String> = raw
        .manifest
        .iter()
        .flat_map(|manifest| &manifest.members)
        .map(|name| normalize_name(Ecosystem::PyPI, name))
        .collect();
    let graph = Graph::new(&raw.package);
    let is_root: Vec<bool> = raw
        .package
        .iter()
        .map(|entry| is_root(entry.get_ref(), &members))
        .collect();
    let scopes = Scopes::compute(&graph, &raw.package, &is_root);

    for (index, entry) in raw.package.iter().enumerate() {
        if is_root.get(index).copied().unwrap_or(false) {
            continue;
        }
        let raw_package = entry.get_ref();
        let line = lines.line_of(entry);
        let version = raw_package.version.as_deref().unwrap_or_default();
        if version.is_empty() {
            lockfile.warnings.push(common::warning(
                path,
                Some(line),
                format!(
                    "{} has no `version`; recorded with an empty version",
                    raw_package.name
                ),
            ));
        }
        let mut package = Package::new(Ecosystem::PyPI, raw_package.name.as_str(), version);
        package.line = Some(line);
        package.source = source(raw_package.source.as_ref());
        package.dependencies = raw_package
            .dependencies
            .iter()
            .map(|dependency| DependencyEdge {
                name: dependency.name.clone(),
                version: dependency
                    .version
                    .clone()
                    .or_else(|| graph.only_version(&dependency.name).map(str::to_owned)),
            })
            .collect();
        scopes.apply(index, &mut package);
        let artifacts = raw_package
            .sdist
            .iter()
            .map(|file| (ArtifactKind::Sdist, file))
            .chain(
                raw_package
                    .wheels
                    .iter()
                    .map(|file| (ArtifactKind::Wheel, file)),
            )
            .map(|(kind, file)| artifact(path, line, kind, file, &mut lockfile.warnings))
            .collect();
        common::add_artifacts(&mut package, artifacts);
        lockfile.packages.push(package);
    }
    Ok(lockfile)
}

/// The project and workspace members: editable or virtual sources, or manifest members.
fn is_root(package: &RawPackage, members: &BTreeSet<String>) -> bool {
    let local_root = package
        .source
        .as_ref()
        .is_some_and(|source| source.editable.is_some() || source.virtual_path.is_some());
    local_root || members.contains(&normalize_name(Ecosystem::PyPI, &package.name))
}

fn source(raw: Option<&RawSource>) -> Source {
    let Some(raw) = raw else {
        return Source::Unknown;
    };
    let local = |path: &String, kind: &str| Source::Path {
        path: path.clone(),
        local_kind: kind.to_owned(),
    };
    if let Some(registry) = &raw.registry {
        Source::Registry {
            url: Some(registry.clone()),
        }
    } else if let Some(git) = &raw.git {
        common::git_source(git)
    } else if let Some(url) = &raw.url {
        Source::Url { url: url.clone() }
    } else if let Some(path) = &raw.path {
        local(path, "path")
    } else if let Some(path) = &raw.directory {
        local(path, "directory")
    } else if let Some(path) = &raw.editable {
        local(path, "editable")
    } else if let Some(path) = &raw.virtual_path {
        local(path, "virtual")
    } else {
        Source::Unknown
    }
}

fn artifact(
    path: &str,
    line: u32,
    kind: ArtifactKind,
    file: &RawFile,
    warnings: &mut Vec<tollgate_model::FileError>,
) -> tollgate_model::Artifact {
    let location = file.url.as_deref().or(file.path.as_deref());
    let file_name = file.filename.as_deref().or(location.map(common::file_name));
    let hashes = match file.hash.as_deref() {
        Some(text) => match common::parse_prefixed_hash(text) {
            Some(hash) => vec![hash],
            None => {
                warnings.push(common::warning(
                    path,
                    Some(line),
                    format!("hash `{text}` is not `ALGORITHM:HEX`; ignored"),
                ));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let mut artifact = common::artifact(kind, file_name, file.url.as_deref(), hashes);
    artifact.size = file.size;
    artifact.upload_time = file.upload_time.clone();
    artifact
}

/// Package indices by normalized name, to resolve dependency entries.
struct Graph<'a> {
    by_name: HashMap<String, Vec<(usize, Option<&'a str>)>>,
}

impl<'a> Graph<'a> {
    fn new(packages: &'a [Spanned<RawPackage>]) -> Self {
        let mut by_name: HashMap<String, Vec<(usize, Option<&str>)>> = HashMap::new();
        for (index, entry) in packages.iter().enumerate() {
            let package = entry.get_ref();
            by_name
                .entry(normalize_name(Ecosystem::PyPI, &package.name))
                .or_default()
                .push((index, package.version.as_deref()));
        }
        Graph { by_name }
    }

    /// The packages a dependency entry can mean: the one with its version when it names
    /// one, else every package of that name (uv only leaves the version out when there is
    /// one, but a fork may lock several).
    fn targets(&self, dependency: &RawDependency) -> impl Iterator<Item = usize> + '_ {
        let wanted = dependency.version.clone();
        self.by_name
            .get(&normalize_name(Ecosystem::PyPI, &dependency.name))
            .into_iter()
            .flatten()
            .filter(move |(_, version)| wanted.is_none() || wanted.as_deref() == *version)
            .map(|(index, _)| *index)
    }

    fn only_version(&self, name: &str) -> Option<&'a str> {
        match self
            .by_name
            .get(&normalize_name(Ecosystem::PyPI, name))
            .map(Vec::as_slice)
        {
            Some([(_, version)]) => *version,
            _ => None,
        }
    }
}

/// How each package is reached from the roots.
#[derive(Default)]
struct Scopes {
    production: BTreeSet<usize>,
    direct: BTreeSet<usize>,
    /// Package index → the dev groups it is reached from.
    dev: BTreeMap<usize, BTreeSet<String>>,
    /// Package index → the extras it is reached from.
    optional: BTreeMap<usize, BTreeSet<String>>,
}

impl Scopes {
    fn compute(graph: &Graph, packages: &[Spanned<RawPackage>], is_root: &[bool]) -> Self {
        let mut scopes = Scopes::default();
        let roots = packages
            .iter()
            .zip(is_root)
            .filter(|(_, root)| **root)
            .map(|(entry, _)| entry.get_ref());
        for root in roots {
            scopes
                .direct
                .extend(all_edges(root).flat_map(|dependency| graph.targets(dependency)));
            scopes
                .production
                .extend(reach(graph, packages, &root.dependencies));
            for (group, dependencies) in &root.dev_dependencies {
                for index in reach(graph, packages, dependencies) {
                    scopes.dev.entry(index).or_default().insert(group.clone());
                }
            }
            for (extra, dependencies) in &root.optional_dependencies {
                for index in reach(graph, packages, dependencies) {
                    scopes
                        .optional
                        .entry(index)
                        .or_default()
                        .insert(extra.clone());
                }
            }
        }
        scopes
    }

    fn apply(&self, index: usize, package: &mut Package) {
        package.direct = Some(self.direct.contains(&index));
        if self.production.contains(&index) {
            return;
        }
        let dev = self.dev.get(&index);
        let optional = self.optional.get(&index);
        package.scope.dev = dev.is_some();
        package.scope.optional = optional.is_some() && dev.is_none();
        let groups: BTreeSet<&String> = dev.into_iter().chain(optional).flatten().collect();
        package.scope.groups = groups.into_iter().cloned().collect();
    }
}

fn all_edges(package: &RawPackage) -> impl Iterator<Item = &RawDependency> {
    package
        .dependencies
        .iter()
        .chain(package.dev_dependencies.values().flatten())
        .chain(package.optional_dependencies.values().flatten())
}

/// Every package reachable from `start`, following regular dependencies and the extras
/// each edge asks for. Iterative, with a visited set: cycles and deep graphs are safe.
fn reach(
    graph: &Graph,
    packages: &[Spanned<RawPackage>],
    start: &[RawDependency],
) -> BTreeSet<usize> {
    let mut visited: BTreeSet<usize> = BTreeSet::new();
    let mut visited_extras: BTreeSet<(usize, &str)> = BTreeSet::new();
    let mut pending: Vec<&RawDependency> = start.iter().collect();
    while let Some(dependency) = pending.pop() {
        for index in graph.targets(dependency) {
            let Some(target) = packages.get(index).map(Spanned::get_ref) else {
                continue;
            };
            if visited.insert(index) {
                pending.extend(&target.dependencies);
            }
            for extra in &dependency.extra {
                if visited_extras.insert((index, extra.as_str())) {
                    pending.extend(
                        target
                            .optional_dependencies
                            .get(extra)
                            .into_iter()
                            .flatten(),
                    );
                }
            }
        }
    }
    visited
}
