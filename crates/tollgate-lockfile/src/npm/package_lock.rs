//! npm's `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed folder under `packages`, keyed by its path
//! (`node_modules/a/node_modules/b`); version 2 also keeps the version-1 `dependencies`
//! tree for old npm clients, which is ignored when `packages` is present. Version 1 has
//! only the nested `dependencies` tree.
//!
//! Folders outside `node_modules` are the root (`""`) and workspace members (matched by
//! the root's `workspaces` globs), which are the project and not packages, or `file:`
//! folders, which are packages with a path source. `link: true` entries only point at
//! such folders and are not packages themselves. A package is direct when it is what a
//! name declared by the root or a member resolves to, by Node's `node_modules` lookup.
//! `devOptional` means "dev or optional": both scopes are set. Bundled (`inBundle`)
//! packages are ordinary packages, but they arrive inside their bundling parent's tarball
//! (the nearest folder above them that is not itself bundled): when that parent has an
//! integrity hash, it covers them (`Package::covered_by`). `hasInstallScript` is recorded only when true, so its
//! absence leaves the hint unset rather than claiming there is no script.

use std::collections::{HashMap, HashSet};

use serde::Deserialize;
use tollgate_model::{DependencyEdge, Ecosystem, Lockfile, LockfileFormat, Package, Source};

use super::hashes::sri_hashes;
use super::json::{KeyFinder, Ordered, first_key_line, syntax_error};
use super::source::{self, classify, local_path};
use super::warning;
use crate::Error;

const SUPPORTED: &str = "lockfileVersion 1, 2 and 3";

/// The top level of the file, without the version-1 `dependencies` tree: version 2 keeps
/// that tree only for old clients, and not building it saves a third of the parse.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", expecting = "a package-lock.json object")]
struct RawLock {
    lockfile_version: Option<serde_json::Value>,
    packages: Option<Ordered<FolderEntry>>,
}

/// The version-1 `dependencies` tree, read only when there is no `packages` map.
#[derive(Deserialize)]
#[serde(expecting = "a package-lock.json object")]
struct RawTree {
    dependencies: Option<Ordered<TreeEntry>>,
}

/// One `packages` entry (lockfileVersion 2 and 3).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct FolderEntry {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    link: bool,
    dev: bool,
    optional: bool,
    dev_optional: bool,
    peer: bool,
    has_install_script: bool,
    in_bundle: bool,
    license: Option<serde_json::Value>,
    dependencies: Ordered<String>,
    dev_dependencies: Ordered<String>,
    optional_dependencies: Ordered<String>,
    peer_dependencies: Ordered<String>,
    workspaces: Option<serde_json::Value>,
}

/// One `dependencies` entry (lockfileVersion 1), nested.
#[derive(Deserialize, Default)]
#[serde(default)]
struct TreeEntry {
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    dev: bool,
    optional: bool,
    requires: Ordered<String>,
    dependencies: Ordered<TreeEntry>,
}

/// Parses a package-lock or shrinkwrap file (`format` says which).
pub(crate) fn parse(path: &str, text: &str, format: LockfileFormat) -> Result<Lockfile, Error> {
    let raw: RawLock =
        serde_json::from_str(text).map_err(|e| syntax_error(path, &e, "package-lock.json"))?;
    let mut lockfile = Lockfile::new(path, format);
    let version = lockfile_version(path, text, raw.lockfile_version.as_ref())?;
    lockfile.format_version = Some(version.to_string());
    let mut finder = KeyFinder::new(text);
    match (version, raw.packages) {
        (2 | 3, Some(packages)) => folders(&mut lockfile, &mut finder, &packages.0),
        (1 | 2, None) => {
            let tree: RawTree = serde_json::from_str(text)
                .map_err(|e| syntax_error(path, &e, "package-lock.json"))?;
            // Skip the top-level `"dependencies"` key itself when scanning for lines.
            finder.find("dependencies", b'{');
            let entries = tree.dependencies.unwrap_or_default();
            nested(&mut lockfile, &mut finder, &entries.0);
        }
        _ => {}
    }
    Ok(lockfile)
}

/// The `lockfileVersion` as a number in 1..=3.
fn lockfile_version(
    path: &str,
    text: &str,
    value: Option<&serde_json::Value>,
) -> Result<u64, Error> {
    let line = first_key_line(text, "lockfileVersion");
    match value.and_then(serde_json::Value::as_u64) {
        Some(v @ 1..=3) => Ok(v),
        _ => Err(Error::UnsupportedVersion {
            path: path.to_owned(),
            line,
            what: "lockfileVersion",
            found: value.map_or_else(|| "(missing)".to_owned(), ToString::to_string),
            supported: SUPPORTED,
        }),
    }
}

/// lockfileVersion 2 and 3: the flat `packages` map.
fn folders(lockfile: &mut Lockfile, finder: &mut KeyFinder<'_>, entries: &[(String, FolderEntry)]) {
    finder.find("packages", b'{');
    let by_key: HashMap<&str, &FolderEntry> =
        entries.iter().map(|(key, e)| (key.as_str(), e)).collect();
    let workspace_globs = by_key
        .get("")
        .map(|root| workspace_patterns(root))
        .unwrap_or_default();
    // Folders outside node_modules are the project's own (the root, workspace members)
    // unless no workspace glob covers them: those are `file:` dependencies.
    let is_member =
        |key: &str| key.is_empty() || workspace_globs.iter().any(|glob| glob_matches(glob, key));
    // A direct dependency is what a member's declared name resolves to from its folder.
    let direct_keys: HashSet<&str> = entries
        .iter()
        .filter(|(key, _)| is_member(key))
        .flat_map(|(key, e)| declared_names(e).map(move |name| (key, name)))
        .filter_map(|(key, name)| Some(resolve_folder(&by_key, key, name)?.0))
        .collect();
    // `file:` folders are installed through a link entry: `node_modules/x` -> `x`.
    let links: HashMap<&str, &str> = entries
        .iter()
        .filter(|(_, e)| e.link)
        .filter_map(|(key, e)| Some((e.resolved.as_deref()?, key.as_str())))
        .collect();

    for (key, entry) in entries {
        if key.is_empty() {
            continue;
        }
        let line = finder.find(key, b'{');
        if entry.link || is_member(key) {
            // A link points at a folder entry that is listed on its own; a workspace
            // member is part of the project, not a dependency.
            continue;
        }
        // The key the package is installed under: its own, or the link to its folder.
        let installed_at = links.get(key.as_str()).copied().unwrap_or(key);
        let mut package = folder_package(lockfile, key, installed_at, entry, line);
        package.direct = Some(direct_keys.contains(installed_at));
        if entry.in_bundle {
            package.covered_by = bundling_parent(&by_key, key);
        }
        package.dependencies = [
            &entry.dependencies,
            &entry.optional_dependencies,
            &entry.peer_dependencies,
        ]
        .into_iter()
        .flat_map(|deps| deps.0.iter())
        .map(|(dep, requirement)| {
            let resolved =
                resolve_folder(&by_key, key, dep).and_then(|(_, e)| e.version.as_deref());
            DependencyEdge {
                name: dep.clone(),
                version: Some(resolved.unwrap_or(requirement).to_owned()),
            }
        })
        .collect();
        lockfile.packages.push(package);
    }
}

/// The package of the folder `key`, installed at `installed_at`.
fn folder_package(
    lockfile: &mut Lockfile,
    key: &str,
    installed_at: &str,
    entry: &FolderEntry,
    line: Option<u32>,
) -> Package {
    let install_name = installed_name(installed_at);
    let name = entry
        .name
        .clone()
        .unwrap_or_else(|| install_name.unwrap_or(key).to_owned());
    let version = entry.version.clone().unwrap_or_default();
    let mut package = Package::new(Ecosystem::Npm, name, version);
    package.line = line;
    if let Some(install_name) = install_name.filter(|n| *n != package.name) {
        package.alias = Some(install_name.to_owned());
    }
    if installed_name(key).is_none() {
        package.source = Source::Path {
            path: key.to_owned(),
            local_kind: "file".to_owned(),
        };
    }
    fill_artifacts(
        lockfile,
        &mut package,
        entry.resolved.as_deref(),
        entry.integrity.as_deref(),
    );
    package.scope.dev = entry.dev || entry.dev_optional;
    package.scope.optional = entry.optional || entry.dev_optional;
    package.scope.peer = entry.peer;
    package.license = entry.license.as_ref().and_then(license_text);
    if entry.has_install_script {
        package.install.has_install_script = Some(true);
    }
    package
}

/// `name@version` of the package whose tarball carries the bundled package at `key`:
/// the nearest enclosing folder that is not bundled itself, when it has an integrity
/// hash (otherwise nothing vouches for the bundled files, and they stay unhashed).
fn bundling_parent(by_key: &HashMap<&str, &FolderEntry>, key: &str) -> Option<String> {
    let mut current = key;
    loop {
        let (parent, _) = current.rsplit_once("/node_modules/")?;
        let entry = by_key.get(parent)?;
        if entry.in_bundle {
            current = parent;
            continue;
        }
        entry.integrity.as_ref()?;
        let name = entry.name.as_deref().or_else(|| installed_name(parent))?;
        return Some(format!("{name}@{}", entry.version.as_deref().unwrap_or("")));
    }
}

/// The package name a `node_modules/…/node_modules/<name>` key installs, if it is one.
fn installed_name(key: &str) -> Option<&str> {
    let (_, name) = key.rsplit_once("node_modules/")?;
    (!name.is_empty()).then_some(name)
}

/// Names declared in a manifest entry's dependency maps.
fn declared_names(entry: &FolderEntry) -> impl Iterator<Item = &str> {
    [
        &entry.dependencies,
        &entry.dev_dependencies,
        &entry.optional_dependencies,
        &entry.peer_dependencies,
    ]
    .into_iter()
    .flat_map(|deps| deps.0.iter().map(|(name, _)| name.as_str()))
}

/// The root's `workspaces` globs (an array, or `{"packages": [...]}`).
fn workspace_patterns(root: &FolderEntry) -> Vec<String> {
    let list = match &root.workspaces {
        Some(serde_json::Value::Array(list)) => list,
        Some(serde_json::Value::Object(map)) => match map.get("packages") {
            Some(serde_json::Value::Array(list)) => list,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    list.iter()
        .filter_map(serde_json::Value::as_str)
        .map(|glob| {
            glob.trim_start_matches("./")
                .trim_end_matches('/')
                .to_owned()
        })
        .collect()
}

/// Whether a folder matches a workspace glob: `*` matches one path segment (or part of
/// one), `**` any number of segments.
fn glob_matches(glob: &str, path: &str) -> bool {
    let pattern: Vec<&str> = glob.split('/').collect();
    let segments: Vec<&str> = path.split('/').collect();
    match_segments(&pattern, &segments)
}

fn match_segments(pattern: &[&str], path: &[&str]) -> bool {
    // Iterative matching with one backtrack point for `**`, so it is linear-ish and
    // cannot recurse deeply on hostile globs.
    let (mut p, mut s) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while s < path.len() {
        match pattern.get(p) {
            Some(&"**") => {
                star = Some((p, s));
                p += 1;
            }
            Some(seg) if segment_matches(seg, path[s]) => {
                p += 1;
                s += 1;
            }
            _ => match star {
                Some((star_p, star_s)) => {
                    p = star_p + 1;
                    s = star_s + 1;
                    star = Some((star_p, star_s + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..]
        .iter()
        .all(|seg| *seg == "**")
}

/// One segment against a pattern segment with `*` wildcards.
fn segment_matches(pattern: &str, segment: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = segment.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// The entry `dep` resolves to from the folder `from`, as Node resolves it: the nearest
/// `node_modules/<dep>` walking up the folder's ancestors. Returns the entry's key too.
fn resolve_folder<'m, V>(
    folders: &'m HashMap<&str, V>,
    from: &str,
    dep: &str,
) -> Option<(&'m str, &'m V)> {
    let mut base = from;
    loop {
        let candidate = if base.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{base}/node_modules/{dep}")
        };
        if let Some((key, value)) = folders.get_key_value(candidate.as_str()) {
            return Some((*key, value));
        }
        if base.is_empty() {
            return None;
        }
        base = base.rfind("/node_modules/").map_or("", |at| &base[..at]);
    }
}

/// lockfileVersion 1: the nested `dependencies` tree, walked depth-first in file order
/// with an explicit stack.
fn nested(lockfile: &mut Lockfile, finder: &mut KeyFinder<'_>, top: &[(String, TreeEntry)]) {
    let mut stack = vec![top.iter()];
    while let Some(level) = stack.last_mut() {
        let Some((key, entry)) = level.next() else {
            stack.pop();
            continue;
        };
        let line = finder.find(key, b'{');
        let package = tree_package(lockfile, key, entry, line);
        lockfile.packages.push(package);
        if !entry.dependencies.0.is_empty() {
            stack.push(entry.dependencies.0.iter());
        }
    }
}

/// The package of one lockfileVersion 1 entry.
fn tree_package(
    lockfile: &mut Lockfile,
    key: &str,
    entry: &TreeEntry,
    line: Option<u32>,
) -> Package {
    let written = entry.version.as_deref().unwrap_or_default();
    let mut alias = None;
    let (name, version, spec_source) = if let Some(real) = written.strip_prefix("npm:") {
        // `"version": "npm:real-name@1.0.0"`: an alias installed under `key`.
        let (real_name, real_version) = split_name_version(real);
        alias = Some(key.to_owned());
        (real_name.to_owned(), real_version.to_owned(), None)
    } else if source::is_git(written) {
        (
            key.to_owned(),
            String::new(),
            Some(source::git_source(written)),
        )
    } else if let Some((kind, path)) = local_path(written) {
        let source = Source::Path {
            path: path.to_owned(),
            local_kind: kind.to_owned(),
        };
        (key.to_owned(), String::new(), Some(source))
    } else {
        (key.to_owned(), written.to_owned(), None)
    };
    let mut package = Package::new(Ecosystem::Npm, name, version);
    package.alias = alias;
    package.line = line;
    fill_artifacts(
        lockfile,
        &mut package,
        entry.resolved.as_deref(),
        entry.integrity.as_deref(),
    );
    if let Some(source) = spec_source {
        package.source = source;
    }
    package.scope.dev = entry.dev;
    package.scope.optional = entry.optional;
    package.dependencies = entry
        .requires
        .0
        .iter()
        .map(|(name, requirement)| DependencyEdge {
            name: name.clone(),
            version: Some(requirement.clone()),
        })
        .collect();
    package
}

/// `name@version` split at the version's `@` (a scoped name starts with `@`).
pub(crate) fn split_name_version(spec: &str) -> (&str, &str) {
    let search_from = usize::from(spec.starts_with('@'));
    match spec.get(search_from..).and_then(|rest| rest.find('@')) {
        Some(at) => (&spec[..search_from + at], &spec[search_from + at + 1..]),
        None => (spec, ""),
    }
}

/// Source, hashes and tarball artifact from `resolved` and `integrity`.
fn fill_artifacts(
    lockfile: &mut Lockfile,
    package: &mut Package,
    resolved: Option<&str>,
    integrity: Option<&str>,
) {
    if let Some(integrity) = integrity {
        let (hashes, invalid) = sri_hashes(integrity);
        package.hashes = hashes;
        for token in invalid {
            lockfile.warnings.push(warning(
                &lockfile.path,
                package.line,
                format!(
                    "{}: ignored integrity `{token}` (expected `<algorithm>-<base64>`)",
                    package.name
                ),
            ));
        }
    }
    if let Some(resolved) = resolved {
        let resolved = classify(&package.name, resolved);
        package.source = resolved.source;
        if let Some(url) = resolved.tarball {
            package
                .artifacts
                .push(source::tarball(url, &package.hashes));
        }
    }
}

/// A `license` value: a string, or the legacy `{"type": "MIT"}` object.
fn license_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(map) => map.get("type")?.as_str().map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("packages/*", "packages/a"));
        assert!(!glob_matches("packages/*", "packages/a/b"));
        assert!(glob_matches("packages/**", "packages/a/b"));
        assert!(glob_matches("apps/web-*", "apps/web-x"));
        assert!(!glob_matches("apps/web-*", "apps/api"));
        assert!(glob_matches("tools", "tools"));
    }

    #[test]
    fn node_resolution_walks_up() {
        let versions = HashMap::from([
            ("node_modules/b", "1.0.0"),
            ("node_modules/a/node_modules/b", "2.0.0"),
        ]);
        let version = |from, dep| resolve_folder(&versions, from, dep).map(|(_, v)| *v);
        assert_eq!(version("node_modules/a", "b"), Some("2.0.0"));
        assert_eq!(version("node_modules/c", "b"), Some("1.0.0"));
        assert_eq!(version("packages/x", "b"), Some("1.0.0"));
        assert_eq!(version("node_modules/c", "z"), None);
    }

    #[test]
    fn name_version_split() {
        assert_eq!(split_name_version("@s/a@1.0.0"), ("@s/a", "1.0.0"));
        assert_eq!(split_name_version("a@1"), ("a", "1"));
        assert_eq!(split_name_version("a"), ("a", ""));
    }
}
