//! Bun's text lockfile `bun.lock` (lockfileVersion 0, 1 and 2): JSONC with trailing commas.
//!
//! `packages` maps an install path (`a`, `a/b` for a copy of `b` nested under `a`,
//! `@s/a/@s/b`) to an array: `["name@version", "<registry tarball or empty>", {meta},
//! "<integrity>"]` for registry packages, `["name@github:o/r#sha", {meta}, "<id>"]` for
//! git, `["name@file:path", {meta}]` / `["name@workspace:path"]` / `["name@link:path"]`
//! for local folders. `workspaces` lists every project of the repository with its
//! dependency maps, which give direct dependencies and, by walking the dependency
//! graph, which packages are only needed for development or are optional.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use tollgate_model::{DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source};

use super::hashes::sri_hashes;
use super::json::{KeyFinder, Ordered, first_key_line, jsonc_to_json, syntax_error};
use super::package_lock::split_name_version;
use super::source::{self, classify};
use super::warning;
use crate::Error;

const SUPPORTED: &str = "bun.lock lockfileVersion 0, 1 and 2";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a bun.lock object")]
struct RawLock {
    lockfile_version: Option<serde_json::Value>,
    #[serde(default)]
    workspaces: Ordered<Manifest>,
    #[serde(default)]
    packages: Ordered<Vec<Field>>,
}

/// The dependency maps of a workspace, or of a package's metadata object.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Manifest {
    /// The package name (workspaces only).
    name: Option<String>,
    dependencies: Ordered<String>,
    dev_dependencies: Ordered<String>,
    optional_dependencies: Ordered<String>,
    peer_dependencies: Ordered<String>,
    optional_peers: Vec<String>,
    /// Bun records that a package declares lifecycle scripts.
    has_install_script: bool,
}

/// The metadata of an entry that has none (`["name@workspace:dir"]`).
static NO_METADATA: Manifest = Manifest {
    name: None,
    dependencies: Ordered(Vec::new()),
    dev_dependencies: Ordered(Vec::new()),
    optional_dependencies: Ordered(Vec::new()),
    peer_dependencies: Ordered(Vec::new()),
    optional_peers: Vec::new(),
    has_install_script: false,
};

/// One `packages` entry, decoded.
struct Entry<'a> {
    key: &'a str,
    spec: &'a str,
    registry: Option<&'a str>,
    meta: &'a Manifest,
    integrity: Option<&'a str>,
}

/// Parses a `bun.lock`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let json = jsonc_to_json(text);
    let raw: RawLock =
        serde_json::from_str(&json).map_err(|e| syntax_error(path, &e, "bun.lock"))?;
    let mut lockfile = Lockfile::new(path, LockfileFormat::BunLock);
    let mut finder = KeyFinder::new(&json);
    let version = match raw
        .lockfile_version
        .as_ref()
        .and_then(serde_json::Value::as_u64)
    {
        Some(v @ 0..=2) => v,
        // `{}`: nothing is locked yet, which is not worth an error.
        None if raw.lockfile_version.is_none() && raw.packages.0.is_empty() => {
            return Ok(lockfile);
        }
        _ => {
            let line = first_key_line(&json, "lockfileVersion");
            return Err(Error::UnsupportedVersion {
                path: path.to_owned(),
                line,
                what: "lockfileVersion",
                found: raw
                    .lockfile_version
                    .map_or_else(|| "(missing)".to_owned(), |v| v.to_string()),
                supported: SUPPORTED,
            });
        }
    };
    lockfile.format_version = Some(version.to_string());
    finder.find("packages", b'{');

    let mut entries = Vec::with_capacity(raw.packages.0.len());
    for (key, value) in &raw.packages.0 {
        let line = finder.find(key, b'[');
        match decode_entry(key, value) {
            Ok(entry) => entries.push((entry, line)),
            Err(message) => {
                let message = format!("skipped package `{key}`: {message}");
                lockfile.warnings.push(warning(path, line, message));
            }
        }
    }
    let graph = Graph::new(&raw.workspaces.0, &entries);
    for (index, (entry, line)) in entries.iter().enumerate() {
        if let Some(package) = package_of(&mut lockfile, entry, *line, &graph, index) {
            lockfile.packages.push(package);
        }
    }
    Ok(lockfile)
}

/// One element of a `packages` array: a string, the metadata object, or anything else.
/// Decoded directly (no intermediate `serde_json::Value`), which keeps the parse fast.
enum Field {
    Text(String),
    Meta(Box<Manifest>),
    Other,
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;

        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = Field;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an object")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Field, E> {
                Ok(Field::Text(value.to_owned()))
            }

            fn visit_string<E: de::Error>(self, value: String) -> Result<Field, E> {
                Ok(Field::Text(value))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Field, A::Error> {
                let meta = Manifest::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(Field::Meta(Box::new(meta)))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Other)
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Field, E> {
                Ok(Field::Other)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Field, E> {
                Ok(Field::Other)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Field, E> {
                Ok(Field::Other)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Field, E> {
                Ok(Field::Other)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
                Ok(Field::Other)
            }
        }

        deserializer.deserialize_any(FieldVisitor)
    }
}

/// Decodes the array of one `packages` entry.
fn decode_entry<'a>(key: &'a str, fields: &'a [Field]) -> Result<Entry<'a>, &'static str> {
    let Some(Field::Text(spec)) = fields.first() else {
        return Err("expected an array starting with a \"name@version\" string");
    };
    let mut rest = fields.get(1..).unwrap_or_default().iter().peekable();
    // Registry entries have the registry string second; every other kind starts with
    // the metadata object.
    let registry = match rest.peek() {
        Some(Field::Text(url)) => {
            rest.next();
            Some(url.as_str()).filter(|u| !u.is_empty())
        }
        _ => None,
    };
    let meta = match rest.peek() {
        Some(Field::Meta(meta)) => {
            rest.next();
            meta.as_ref()
        }
        _ => &NO_METADATA,
    };
    let integrity = match rest.next() {
        Some(Field::Text(last)) => Some(last.as_str()),
        _ => None,
    };
    Ok(Entry {
        key,
        spec,
        registry,
        meta,
        integrity,
    })
}

/// The package of one entry; `None` for workspace members (the project itself).
fn package_of(
    lockfile: &mut Lockfile,
    entry: &Entry<'_>,
    line: Option<u32>,
    graph: &Graph,
    index: usize,
) -> Option<Package> {
    let (name, spec) = split_name_version(entry.spec);
    let (source_spec, version) = match spec.split_once(':') {
        Some(_) if !spec.starts_with("npm:") => (Some(spec), ""),
        _ => (None, spec.strip_prefix("npm:").unwrap_or(spec)),
    };
    let mut package = Package::new(Ecosystem::Npm, name, version);
    package.line = line;
    let install_name = install_name(entry.key);
    if install_name != name {
        package.alias = Some(install_name.to_owned());
    }
    match source_spec {
        Some(spec) if spec.starts_with("workspace:") => return None,
        Some(spec) if source::is_git(spec) => {
            package.source = source::git_source(spec);
            if let (Source::Git { commit, .. }, Some(id)) = (&mut package.source, entry.integrity) {
                // Bun's third element for git packages is the resolved commit (or
                // `owner-repo-<short sha>` for GitHub tarballs).
                if id.len() == 40 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                    *commit = Some(id.to_owned());
                }
            }
        }
        Some(spec) => {
            let resolved = classify(name, spec);
            package.source = resolved.source;
            if let Some(url) = resolved.tarball {
                package.artifacts.push(source::tarball(url, &[]));
            }
        }
        None => {
            if let Some(url) = entry.registry {
                let resolved = classify(name, url);
                package.source = resolved.source;
                if let Some(url) = resolved.tarball {
                    package.artifacts.push(source::tarball(url, &[]));
                }
            }
            if let Some(integrity) = entry.integrity {
                let (hashes, invalid) = sri_hashes(integrity);
                for artifact in &mut package.artifacts {
                    artifact.hashes.clone_from(&hashes);
                }
                package.hashes = hashes;
                for token in invalid {
                    let message = format!(
                        "{name}: ignored integrity `{token}` (expected `<algorithm>-<base64>`)"
                    );
                    lockfile
                        .warnings
                        .push(warning(&lockfile.path, line, message));
                }
            }
        }
    }
    if entry.meta.has_install_script {
        package.install.has_install_script = Some(true);
    }
    package.direct = Some(graph.direct.contains(&index));
    package.scope.dev = graph.dev_only.contains(&index);
    package.scope.optional = graph.optional_only.contains(&index);
    package.scope.peer = graph.peer_only.contains(&index);
    package.dependencies = dependency_maps(entry.meta)
        .flat_map(|(_, deps)| deps.iter())
        .map(|(dep, requirement)| DependencyEdge {
            name: dep.clone(),
            version: Some(
                graph
                    .resolve(entry.key, dep)
                    .and_then(|target| graph.versions.get(target))
                    .unwrap_or(requirement)
                    .clone(),
            ),
        })
        .collect();
    Some(package)
}

/// The name a package is installed under: the last segment of its install path.
fn install_name(key: &str) -> &str {
    let last_slash = key.rfind('/');
    match last_slash {
        Some(at) => {
            // `@scope/name` keeps its scope: look at the segment before the last one.
            let head = &key[..at];
            let scope_start = head.rfind('/').map_or(0, |s| s + 1);
            if head[scope_start..].starts_with('@') {
                &key[scope_start..]
            } else {
                &key[at + 1..]
            }
        }
        None => key,
    }
}

/// How a dependency is declared.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Regular,
    Dev,
    Optional,
    Peer,
}

fn dependency_maps(manifest: &Manifest) -> impl Iterator<Item = (Kind, &[(String, String)])> {
    [
        (Kind::Regular, &manifest.dependencies),
        (Kind::Dev, &manifest.dev_dependencies),
        (Kind::Optional, &manifest.optional_dependencies),
        (Kind::Peer, &manifest.peer_dependencies),
    ]
    .into_iter()
    .map(|(kind, deps)| (kind, deps.0.as_slice()))
}

/// The dependency graph between install paths, and what it implies.
struct Graph {
    index_of: HashMap<String, usize>,
    versions: Vec<String>,
    direct: HashSet<usize>,
    dev_only: HashSet<usize>,
    optional_only: HashSet<usize>,
    peer_only: HashSet<usize>,
}

impl Graph {
    fn new(workspaces: &[(String, Manifest)], entries: &[(Entry<'_>, Option<u32>)]) -> Self {
        let index_of: HashMap<String, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, (e, _))| (e.key.to_owned(), i))
            .collect();
        let versions = entries
            .iter()
            .map(|(e, _)| split_name_version(e.spec).1.to_owned())
            .collect();
        let mut graph = Graph {
            index_of,
            versions,
            direct: HashSet::new(),
            dev_only: HashSet::new(),
            optional_only: HashSet::new(),
            peer_only: HashSet::new(),
        };
        // A member's dependency is looked up under the member's own package key first
        // (`@ws/a/dep`), then at the top level, as Bun installs them.
        let mut roots: Vec<(Kind, usize)> = Vec::new();
        for (path, manifest) in workspaces {
            let member_key = manifest.name.as_deref().filter(|_| !path.is_empty());
            for (kind, deps) in dependency_maps(manifest) {
                for (dep, _) in deps {
                    let target = match member_key {
                        Some(member) => graph.resolve(member, dep),
                        None => graph.index_of.get(dep).copied(),
                    };
                    roots.extend(target.map(|index| (kind, index)));
                }
            }
        }
        graph.direct = roots.iter().map(|(_, i)| *i).collect();
        let edges: Vec<Vec<(Kind, usize)>> = entries
            .iter()
            .map(|(entry, _)| {
                dependency_maps(entry.meta)
                    .flat_map(|(kind, deps)| deps.iter().map(move |(dep, _)| (kind, dep)))
                    .filter(|(kind, dep)| {
                        *kind != Kind::Peer || !entry.meta.optional_peers.contains(dep)
                    })
                    .filter_map(|(kind, dep)| Some((kind, graph.resolve(entry.key, dep)?)))
                    .collect()
            })
            .collect();
        let reach = |keep: &dyn Fn(Kind) -> bool| reachable(&roots, &edges, keep);
        let all = reach(&|_| true);
        let without_dev = reach(&|k| k != Kind::Dev);
        let without_optional = reach(&|k| k != Kind::Optional);
        let without_peer = reach(&|k| k != Kind::Peer);
        graph.dev_only = all.difference(&without_dev).copied().collect();
        graph.optional_only = all.difference(&without_optional).copied().collect();
        graph.peer_only = all.difference(&without_peer).copied().collect();
        graph
    }

    /// The entry `dep` resolves to from install path `from`: `from/dep`, then the same
    /// under each ancestor, then the top-level `dep`.
    fn resolve(&self, from: &str, dep: &str) -> Option<usize> {
        let mut base = from;
        loop {
            if let Some(&index) = self.index_of.get(&format!("{base}/{dep}")) {
                return Some(index);
            }
            let parent_end = base.len() - install_name(base).len();
            if parent_end == 0 {
                return self.index_of.get(dep).copied();
            }
            base = &base[..parent_end - 1];
        }
    }
}

/// The entries reachable from `roots` over edges whose kind `keep` accepts (the kind of a
/// root is the kind of its declaration in the workspace).
fn reachable(
    roots: &[(Kind, usize)],
    edges: &[Vec<(Kind, usize)>],
    keep: &dyn Fn(Kind) -> bool,
) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut queue: Vec<usize> = roots
        .iter()
        .filter(|(k, _)| keep(*k))
        .map(|(_, i)| *i)
        .collect();
    while let Some(index) = queue.pop() {
        if !seen.insert(index) {
            continue;
        }
        for &(kind, next) in edges.get(index).map_or(&[][..], Vec::as_slice) {
            if keep(kind) && !seen.contains(&next) {
                queue.push(next);
            }
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_names() {
        assert_eq!(install_name("a"), "a");
        assert_eq!(install_name("a/b"), "b");
        assert_eq!(install_name("@s/a"), "@s/a");
        assert_eq!(install_name("x/@s/a"), "@s/a");
        assert_eq!(install_name("@s/a/b"), "b");
    }
}
