//! pnpm's `pnpm-lock.yaml`, lockfileVersion 5.x, 6.x and 9.0.
//!
//! Package keys differ by version: `/name/1.0.0_peer@2.0.0` (5.x), `/name@1.0.0(peer@2.0.0)`
//! (6.x) and `name@1.0.0` in `packages` plus `name@1.0.0(peer@2.0.0)` in `snapshots` (9.0,
//! where the per-install data — dependencies, `optional` — moved to `snapshots`). Entries
//! for git, tarball and directory dependencies carry `name:` and `version:` fields and a
//! `resolution` saying where they come from. `importers` (or, for a single project, the
//! top-level `dependencies` maps) give the direct dependencies. pnpm 10+ may put a second
//! YAML document (its own "env" lockfile) first; every document is read.

use std::collections::{HashMap, HashSet};

use tollgate_model::{DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source};

use super::hashes::sri_hashes;
use super::package_lock::split_name_version;
use super::source::{self, classify};
use super::warning;
use super::yaml::{Entry, Node, parse_documents};
use crate::Error;

const SUPPORTED: &str = "pnpm lockfileVersion 5.x, 6.x and 9.0";

const IMPORTER_GROUPS: [&str; 3] = ["dependencies", "optionalDependencies", "devDependencies"];

/// The key layout of a lockfile version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `/name/version_peers`.
    V5,
    /// `/name@version(peers)`.
    V6,
    /// `name@version(peers)`, with `snapshots`.
    V9,
}

/// Parses a `pnpm-lock.yaml`.
pub(crate) fn parse(path: &str, text: &str) -> Result<Lockfile, Error> {
    let documents = parse_documents(path, text)?;
    let mut lockfile = Lockfile::new(path, LockfileFormat::PnpmLock);
    for document in &documents {
        if !matches!(document, Node::Map(_)) {
            return Err(Error::syntax(
                path,
                Some(1),
                None,
                "expected a YAML mapping with `lockfileVersion`",
            ));
        }
        let (version, layout) = lockfile_version(path, document)?;
        lockfile.format_version = Some(version);
        read_document(&mut lockfile, document, layout);
    }
    Ok(lockfile)
}

fn lockfile_version(path: &str, document: &Node<'_>) -> Result<(String, Layout), Error> {
    let entry = document
        .entries()
        .iter()
        .find(|e| e.key == "lockfileVersion");
    let found = entry.and_then(|e| e.value.as_str()).unwrap_or("(missing)");
    let major = found.split('.').next().unwrap_or_default();
    let layout = match major {
        "5" => Layout::V5,
        "6" => Layout::V6,
        "9" => Layout::V9,
        _ => {
            return Err(Error::UnsupportedVersion {
                path: path.to_owned(),
                line: entry.map(|e| e.line),
                what: "lockfileVersion",
                found: found.to_owned(),
                supported: SUPPORTED,
            });
        }
    };
    Ok((found.to_owned(), layout))
}

/// Everything the importers say about the packages.
#[derive(Default)]
struct Importers {
    /// Keys (in `packages`/`snapshots` form, peers included) of direct dependencies,
    /// with the name they are installed under.
    direct: HashMap<String, String>,
    /// Keys reachable from production (non-dev) importer dependencies.
    production_roots: Vec<String>,
    /// Keys reachable from dev importer dependencies.
    dev_roots: Vec<String>,
}

fn read_document(lockfile: &mut Lockfile, document: &Node<'_>, layout: Layout) {
    let snapshots = document.get("snapshots").map_or(&[][..], Node::entries);
    let packages = document.get("packages").map_or(&[][..], Node::entries);
    let known: HashSet<&str> = packages
        .iter()
        .chain(snapshots)
        .map(|e| e.key.as_ref())
        .collect();
    let importers = importers(document, layout, &known);
    // 9.0: the per-install data is in `snapshots`, keyed with peers; group by package key.
    let mut snapshots_of: HashMap<&str, Vec<&Entry<'_>>> = HashMap::new();
    for snapshot in snapshots {
        snapshots_of
            .entry(strip_peers(&snapshot.key, layout))
            .or_default()
            .push(snapshot);
    }
    let dev_only = (layout == Layout::V9).then(|| dev_only_keys(&importers, snapshots, layout));

    for entry in packages {
        let installs: Vec<&Entry<'_>> = match layout {
            Layout::V9 => snapshots_of
                .get(entry.key.as_ref())
                .cloned()
                .unwrap_or_default(),
            Layout::V5 | Layout::V6 => vec![entry],
        };
        match package_of(lockfile, entry, &installs, layout, &importers) {
            Some(mut package) => {
                if let Some(dev_only) = &dev_only {
                    package.scope.dev = !installs.is_empty()
                        && installs.iter().all(|s| dev_only.contains(s.key.as_ref()));
                }
                lockfile.packages.push(package);
            }
            None => {
                let message = format!(
                    "skipped package `{}`: cannot tell its name and version (expected `name@version` or `name:`/`version:` fields)",
                    entry.key
                );
                lockfile
                    .warnings
                    .push(warning(&lockfile.path, Some(entry.line), message));
            }
        }
    }
}

/// The package of one `packages` entry; `installs` are the entries holding its
/// dependencies and flags (itself before 9.0, its snapshots in 9.0).
fn package_of(
    lockfile: &mut Lockfile,
    entry: &Entry<'_>,
    installs: &[&Entry<'_>],
    layout: Layout,
    importers: &Importers,
) -> Option<Package> {
    let body = &entry.value;
    let (key_name, key_version) = key_identity(&entry.key, layout);
    let name = body.get("name").and_then(Node::as_str).or(key_name)?;
    // A key like `name@file:dir` holds a spec, not a version; such entries have no version
    // unless they record a `version:` field.
    let version = body
        .get("version")
        .and_then(Node::as_str)
        .or(key_version.map(|v| if v.contains(':') { "" } else { v }))?;
    let mut package = Package::new(Ecosystem::Npm, name, version);
    package.line = Some(entry.line);
    if let Some(resolution) = body.get("resolution") {
        fill_resolution(lockfile, &mut package, resolution);
    }
    if let Some(key_version) = key_version.filter(|_| body.get("resolution").is_none()) {
        // Old 5.x entries without a resolution: a `link:`/`file:` version is a path.
        if let Some((kind, path)) = source::local_path(key_version) {
            package.source = Source::Path {
                path: path.to_owned(),
                local_kind: kind.to_owned(),
            };
        }
    }
    if let Some(runtime_version) = key_version.and_then(|v| v.strip_prefix("runtime:")) {
        mark_runtime(&mut package, runtime_version, body.get("resolution"));
    }
    if body.get("requiresBuild").is_some_and(Node::is_true) {
        package.install.requires_build = Some(true);
    }
    let direct_alias = installs
        .iter()
        .find_map(|install| importers.direct.get(install.key.as_ref()));
    package.direct = Some(direct_alias.is_some());
    if let Some(alias) = direct_alias.filter(|alias| **alias != package.name) {
        package.alias = Some(alias.clone());
    }
    if layout != Layout::V9 {
        package.scope.dev = body.get("dev").is_some_and(Node::is_true);
    }
    package.scope.optional = !installs.is_empty()
        && installs
            .iter()
            .all(|install| install.value.get("optional").is_some_and(Node::is_true));
    package.dependencies = installs
        .first()
        .map(|install| edges(&install.value, layout))
        .unwrap_or_default();
    Some(package)
}

/// Where Node.js, Deno and Bun publish their release binaries.
const OFFICIAL_RUNTIME_SITES: &[&str] = &[
    "https://nodejs.org/download/release/",
    // The Node.js project's builds for further platforms (musl, riscv64).
    "https://unofficial-builds.nodejs.org/download/release/",
    "https://github.com/denoland/deno/releases/download/",
    "https://github.com/oven-sh/bun/releases/download/",
];

/// pnpm 10+ `runtime:` dependencies (`node@runtime:26.7.0`) are a JavaScript runtime binary
/// that pnpm downloads from the runtime's own site (one `variants` entry per platform), not
/// the npm package of that name: they get the runtime version and a URL source, so that no
/// npm advisory for the `node` package matches them.
fn mark_runtime(package: &mut Package, runtime_version: &str, resolution: Option<&Node<'_>>) {
    let first_variant_url = match resolution.and_then(|r| r.get("variants")) {
        Some(Node::Seq(variants)) => variants
            .iter()
            .find_map(|v| v.get("resolution")?.get("url")?.as_str()),
        _ => None,
    };
    let mut runtime = Package::new(Ecosystem::Npm, package.name.clone(), runtime_version);
    runtime.source = Source::Url {
        url: first_variant_url.map_or_else(|| format!("runtime:{runtime_version}"), str::to_owned),
    };
    runtime.line = package.line;
    // Each platform's binary is pinned by its own integrity hash. Only a runtime whose
    // every download is from its project's official site is marked as one (exempt from
    // the sources check); anything else stays a URL source and is flagged.
    let mut official = true;
    let mut any = false;
    if let Some(Node::Seq(variants)) = resolution.and_then(|r| r.get("variants")) {
        for variant in variants {
            let resolution = variant.get("resolution");
            let integrity = resolution
                .and_then(|r| r.get("integrity"))
                .and_then(Node::as_str);
            if let Some(integrity) = integrity {
                runtime.hashes.extend(sri_hashes(integrity).0);
            }
            let url = resolution.and_then(|r| r.get("url")).and_then(Node::as_str);
            any = true;
            official &= url.is_some_and(|url| {
                OFFICIAL_RUNTIME_SITES
                    .iter()
                    .any(|site| url.starts_with(site))
            });
        }
    }
    runtime.runtime = any && official;
    *package = runtime;
}

/// Source, hashes and tarball from `resolution: {integrity, tarball, commit, repo, directory}`.
fn fill_resolution(lockfile: &mut Lockfile, package: &mut Package, resolution: &Node<'_>) {
    if let Some(integrity) = resolution.get("integrity").and_then(Node::as_str) {
        let (hashes, invalid) = sri_hashes(integrity);
        package.hashes = hashes;
        for token in invalid {
            let message = format!(
                "{}: ignored integrity `{token}` (expected `<algorithm>-<base64>`)",
                package.name
            );
            lockfile
                .warnings
                .push(warning(&lockfile.path, package.line, message));
        }
    }
    let field = |name: &str| resolution.get(name).and_then(Node::as_str);
    if let (Some(repo), Some(commit)) = (field("repo"), field("commit")) {
        package.source = Source::Git {
            url: repo.to_owned(),
            reference: None,
            commit: Some(commit.to_owned()),
        };
    } else if let Some(directory) = field("directory") {
        package.source = Source::Path {
            path: directory.to_owned(),
            local_kind: "directory".to_owned(),
        };
    } else if let Some(tarball) = field("tarball") {
        let resolved = classify(&package.name, tarball);
        package.source = resolved.source;
        if let Some(url) = resolved.tarball {
            package
                .artifacts
                .push(source::tarball(url, &package.hashes));
        }
    }
}

/// The dependency edges of an install entry (`dependencies`, `optionalDependencies`).
fn edges(install: &Node<'_>, layout: Layout) -> Vec<DependencyEdge> {
    ["dependencies", "optionalDependencies"]
        .into_iter()
        .filter_map(|group| install.get(group))
        .flat_map(Node::entries)
        .map(|dep| {
            let reference = dep.value.as_str().unwrap_or_default();
            let (real_name, version) = reference_identity(reference, layout);
            DependencyEdge {
                name: real_name.unwrap_or(&dep.key).to_owned(),
                version: Some(version.to_owned()),
            }
        })
        .collect()
}

/// A dependency reference (`1.0.0(peer@1)`, `1.0.0_peer@1`, `real@1.0.0` for an alias,
/// `/real/1.0.0` in 5.x) as an optional real name and a version without peers.
fn reference_identity(reference: &str, layout: Layout) -> (Option<&str>, &str) {
    let starts_like_version = reference.starts_with(|c: char| c.is_ascii_digit());
    if starts_like_version || reference.contains(':') {
        return (None, strip_peers(reference, layout));
    }
    match key_identity(reference, layout) {
        (Some(name), Some(version)) => (Some(name), version),
        _ => (None, strip_peers(reference, layout)),
    }
}

/// Name and version from a package key.
fn key_identity(key: &str, layout: Layout) -> (Option<&str>, Option<&str>) {
    let bare = strip_peers(key, layout);
    let bare = bare.strip_prefix('/').unwrap_or(bare);
    match layout {
        Layout::V6 | Layout::V9 => {
            let (name, version) = split_name_version(bare);
            (
                Some(name).filter(|n| !n.is_empty()),
                Some(version).filter(|v| !v.is_empty()),
            )
        }
        Layout::V5 => {
            // `[host/]name/version` or `[host/]@scope/name/version`.
            let bare = match bare.split_once('/') {
                Some((host, rest)) if host.contains('.') && !host.starts_with('@') => rest,
                _ => bare,
            };
            let cut = if bare.starts_with('@') {
                bare.match_indices('/').nth(1).map(|(at, _)| at)
            } else {
                bare.find('/')
            };
            match cut {
                Some(at) => {
                    let version = &bare[at + 1..];
                    let plausible =
                        version.starts_with(|c: char| c.is_ascii_digit()) && !version.contains('/');
                    (Some(&bare[..at]), plausible.then_some(version))
                }
                None => (Some(bare).filter(|n| !n.is_empty()), None),
            }
        }
    }
}

/// A key or reference without its peer-dependency suffix.
fn strip_peers(key: &str, layout: Layout) -> &str {
    let cut = match layout {
        Layout::V6 | Layout::V9 => key.find('('),
        // 5.x: `/name/1.0.0_peer@1`; the suffix starts at the first `_` after the last `/`
        // of the name/version path.
        Layout::V5 => {
            let version_start = key.rfind('/').map_or(0, |at| at + 1);
            key[version_start..].find('_').map(|at| version_start + at)
        }
    };
    cut.map_or(key, |at| &key[..at])
}

/// The importers (or the single-project top-level maps) of a document.
fn importers(document: &Node<'_>, layout: Layout, known: &HashSet<&str>) -> Importers {
    let mut result = Importers::default();
    let projects: Vec<&Node<'_>> = match document.get("importers") {
        Some(importers) => importers.entries().iter().map(|e| &e.value).collect(),
        None => vec![document],
    };
    for project in projects {
        for group in IMPORTER_GROUPS {
            for dep in project.get(group).map_or(&[][..], Node::entries) {
                // 5.x: `name: ref`; 6.x and 9.0: `name: {specifier, version}`.
                let reference = dep
                    .value
                    .get("version")
                    .and_then(Node::as_str)
                    .or_else(|| dep.value.as_str())
                    .unwrap_or_default();
                let Some(key) = package_key(&dep.key, reference, layout, known) else {
                    continue;
                };
                if group == "devDependencies" {
                    result.dev_roots.push(key.clone());
                } else {
                    result.production_roots.push(key.clone());
                }
                result.direct.insert(key, dep.key.to_string());
            }
        }
    }
    result
}

/// The `packages`/`snapshots` key a dependency reference points at, if it is there.
fn package_key(
    name: &str,
    reference: &str,
    layout: Layout,
    known: &HashSet<&str>,
) -> Option<String> {
    let candidates = match layout {
        Layout::V5 => [format!("/{name}/{reference}"), reference.to_owned()],
        Layout::V6 => [format!("/{name}@{reference}"), reference.to_owned()],
        Layout::V9 => [format!("{name}@{reference}"), reference.to_owned()],
    };
    candidates
        .into_iter()
        .find(|key| known.contains(key.as_str()))
}

/// 9.0: the snapshot keys reachable only from dev importer dependencies, by a
/// breadth-first walk over snapshot dependencies (iterative, each key visited once).
fn dev_only_keys<'a>(
    importers: &Importers,
    snapshots: &'a [Entry<'a>],
    layout: Layout,
) -> HashSet<String> {
    let by_key: HashMap<&str, &Node<'_>> = snapshots
        .iter()
        .map(|e| (e.key.as_ref(), &e.value))
        .collect();
    let known: HashSet<&str> = by_key.keys().copied().collect();
    let reach = |roots: &[String]| {
        let mut seen: HashSet<String> = roots.iter().cloned().collect();
        let mut queue: Vec<String> = roots.to_vec();
        while let Some(key) = queue.pop() {
            let Some(node) = by_key.get(key.as_str()) else {
                continue;
            };
            for group in ["dependencies", "optionalDependencies"] {
                for dep in node.get(group).map_or(&[][..], Node::entries) {
                    let reference = dep.value.as_str().unwrap_or_default();
                    if let Some(next) = package_key(&dep.key, reference, layout, &known) {
                        if seen.insert(next.clone()) {
                            queue.push(next);
                        }
                    }
                }
            }
        }
        seen
    };
    let production = reach(&importers.production_roots);
    reach(&importers.dev_roots)
        .into_iter()
        .filter(|key| !production.contains(key))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_layout() {
        assert_eq!(
            key_identity("/@a/b/1.0.0_c@2.0.0", Layout::V5),
            (Some("@a/b"), Some("1.0.0"))
        );
        assert_eq!(
            key_identity("registry.npmjs.org/foo/1.1.0", Layout::V5),
            (Some("foo"), Some("1.1.0"))
        );
        assert_eq!(
            key_identity("github.com/kevva/is-positive", Layout::V5).1,
            None
        );
        assert_eq!(
            key_identity("/@a/b@1.0.0(c@2.0.0)", Layout::V6),
            (Some("@a/b"), Some("1.0.0"))
        );
        assert_eq!(
            key_identity("a@1.0.0(c@2.0.0)(d@1)", Layout::V9),
            (Some("a"), Some("1.0.0"))
        );
    }

    #[test]
    fn references() {
        assert_eq!(
            reference_identity("1.0.0(c@2.0.0)", Layout::V9),
            (None, "1.0.0")
        );
        assert_eq!(
            reference_identity("string-width@4.2.3", Layout::V9),
            (Some("string-width"), "4.2.3")
        );
        assert_eq!(
            reference_identity("1.0.0_c@2.0.0", Layout::V5),
            (None, "1.0.0")
        );
        assert_eq!(
            reference_identity("link:../x", Layout::V9),
            (None, "link:../x")
        );
    }
}
