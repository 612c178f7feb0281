//! What pnpm's fetch phase (`pnpm install --frozen-lockfile --ignore-scripts`) left for the
//! verdict step. pnpm does not unpack packages into `node_modules/<name>`: with its default
//! `isolated` linker each package is at `node_modules/.pnpm/<name>@<version>/node_modules/<name>`
//! (its virtual store, whose files are hard links into pnpm's content-addressed store), and
//! `node_modules/<name>` is a symbolic link there (pnpm's "Global Virtual Store" and
//! "symlinked node_modules" documentation). With `nodeLinker: hoisted` the layout is npm's.
//! Both are walked with the npm readers ([`super::node`]).
//!
//! The walk alone could miss a package (a virtual store outside the project, as with
//! `enableGlobalVirtualStore`, or a layout a later pnpm invents), and a missed package would
//! run unjudged, since the execute phase (`pnpm rebuild`) builds everything pnpm skipped. So
//! pnpm's own record of those, `pendingBuilds` (and `ignoredBuilds`) in
//! `node_modules/.modules.yaml`, is matched against what the walk found: a pending build the
//! walk did not find is an unlocatable package, which the verdict step refuses.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::node::{ScriptedPackage, merged, package_dirs, read_scripts, scripted_packages};

/// The fetched pnpm packages with install scripts, and the builds pnpm has pending that
/// were found nowhere tollgate looked.
#[derive(Debug, Default)]
pub(super) struct Fetched {
    /// Packages with install scripts, by name, with every directory judged.
    pub packages: Vec<ScriptedPackage>,
    /// `name@version` of each pending build without a directory among `packages`.
    pub unfound: Vec<String>,
}

/// Walks `project/node_modules` (hoisted layout) and pnpm's virtual store, and checks pnpm's
/// pending builds against what was found.
pub(super) fn fetched(project: &Path) -> anyhow::Result<Fetched> {
    let node_modules = project.join("node_modules");
    if !node_modules.is_dir() {
        return Ok(Fetched::default());
    }
    let state = ModulesState::read(&node_modules)?;
    let mut found = scripted_packages(&node_modules)?;
    let store = state.virtual_store(&node_modules);
    for entry in read_dir_sorted(&store)? {
        // `.pnpm/node_modules` holds the hoisted symbolic links, `lock.yaml` a file.
        if entry.file_name().is_some_and(|name| name == "node_modules") || !entry.is_dir() {
            continue;
        }
        for dir in package_dirs(&entry.join("node_modules"))? {
            found.extend(read_scripts(&dir)?);
        }
    }
    let packages = merged(found);
    let unfound = state
        .pending
        .iter()
        .filter(|key| !found_build(&packages, key))
        .cloned()
        .collect();
    Ok(Fetched { packages, unfound })
}

/// Whether a directory of the pending build `key` is among `packages`: same name, and for a
/// registry version the same version in its own manifest (a `file:`, `link:`, git or URL
/// dependency is keyed by where it came from, not by a version its manifest could match).
fn found_build(packages: &[ScriptedPackage], key: &str) -> bool {
    let Some((name, version)) = split_key(key) else {
        return false;
    };
    let registry_version = version.starts_with(|c: char| c.is_ascii_digit());
    packages
        .iter()
        .filter(|package| package.name == name)
        .flat_map(|package| &package.dirs)
        .any(|dir| !registry_version || manifest_version(dir).as_deref() == Some(version))
}

/// The name and version of a pending-build key: `name@1.0.0`, `@scope/name@1.0.0`, with a
/// peer suffix (`(peer@2.0.0)`, or `_peer@2.0.0` in lockfile v6), or lockfile v5's
/// `/name/1.0.0`.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let start = usize::from(key.starts_with('@'));
    let (name, version) = match key[start..].find('@') {
        Some(at) => (&key[..start + at], &key[start + at + 1..]),
        None => key.rsplit_once('/')?,
    };
    let version = version
        .split(['(', '_'])
        .next()
        .filter(|version| !version.is_empty())?;
    Some((name, version))
}

/// The `version` of `dir/package.json`.
fn manifest_version(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join("package.json")).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json.get("version")?.as_str().map(str::to_owned)
}

/// The entries of `dir`, sorted; none when it does not exist.
fn read_dir_sorted(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error).with_context(|| format!("listing {}", dir.display())),
    };
    let mut paths = Vec::new();
    for entry in entries {
        paths.push(
            entry
                .with_context(|| format!("listing {}", dir.display()))?
                .path(),
        );
    }
    paths.sort();
    Ok(paths)
}

/// What `node_modules/.modules.yaml` says (JSON in current pnpm, YAML in older ones).
#[derive(Debug, Default, PartialEq, Eq)]
struct ModulesState {
    /// `virtualStoreDir`, when set.
    virtual_store_dir: Option<PathBuf>,
    /// `pendingBuilds` and `ignoredBuilds`: what `pnpm rebuild` will build.
    pending: Vec<String>,
}

impl ModulesState {
    /// Reads the file. Missing is an error once the virtual store exists: then pnpm has
    /// installed and its list of builds cannot be checked, so the gate does not guess.
    fn read(node_modules: &Path) -> anyhow::Result<ModulesState> {
        let path = node_modules.join(".modules.yaml");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error)
                if error.kind() == std::io::ErrorKind::NotFound
                    && !node_modules.join(".pnpm").exists() =>
            {
                return Ok(ModulesState::default());
            }
            Err(error) => {
                return Err(error).with_context(|| {
                    format!(
                        "reading {} (pnpm's record of the builds it skipped)",
                        path.display()
                    )
                });
            }
        };
        ModulesState::parse(&text).with_context(|| format!("parsing {}", path.display()))
    }

    fn parse(text: &str) -> anyhow::Result<ModulesState> {
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(text)?;
        let strings = |key: &str| -> Vec<String> {
            value
                .get(key)
                .and_then(serde_yaml_ng::Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        };
        let mut pending = strings("pendingBuilds");
        pending.extend(strings("ignoredBuilds"));
        pending.sort();
        pending.dedup();
        Ok(ModulesState {
            virtual_store_dir: value
                .get("virtualStoreDir")
                .and_then(serde_yaml_ng::Value::as_str)
                .map(PathBuf::from),
            pending,
        })
    }

    /// The virtual store: `virtualStoreDir` (relative to `node_modules` when relative), or
    /// pnpm's default `.pnpm`.
    fn virtual_store(&self, node_modules: &Path) -> PathBuf {
        node_modules.join(
            self.virtual_store_dir
                .as_deref()
                .unwrap_or(Path::new(".pnpm")),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn pending_build_keys_of_every_lockfile_generation() {
        assert_eq!(split_key("esbuild@0.25.0"), Some(("esbuild", "0.25.0")));
        assert_eq!(
            split_key("@scope/addon@1.2.3(react@18.0.0)"),
            Some(("@scope/addon", "1.2.3"))
        );
        assert_eq!(
            split_key("/addon@1.0.0_react@18.0.0"),
            Some(("addon", "1.0.0"))
        );
        assert_eq!(
            split_key("/@scope/addon/1.0.0"),
            Some(("@scope/addon", "1.0.0"))
        );
        assert_eq!(
            split_key("planting@file:../planting-1.0.0.tgz"),
            Some(("planting", "file:../planting-1.0.0.tgz"))
        );
        assert_eq!(split_key("nothing"), None);
    }

    #[test]
    fn the_virtual_store_is_walked_and_pending_builds_are_matched() {
        let root = tempfile::tempdir().expect("tempdir");
        let modules = root.path().join("node_modules");
        let state = serde_json::json!({
            "virtualStoreDir": ".pnpm",
            "pendingBuilds": [
                "scripted@1.0.0", "@scope/addon@2.0.0", "elsewhere@3.0.0", "scripted@2.0.0",
                "scripted@file:../scripted-9.tgz",
            ],
        });
        write(&modules.join(".modules.yaml"), &state.to_string());
        write(
            &modules.join(".pnpm/scripted@1.0.0/node_modules/scripted/package.json"),
            r#"{"name":"scripted","version":"1.0.0","scripts":{"postinstall":"node x.js"}}"#,
        );
        write(
            &modules.join(".pnpm/@scope+addon@2.0.0/node_modules/@scope/addon/package.json"),
            r#"{"name":"@scope/addon","version":"2.0.0"}"#,
        );
        write(
            &modules.join(".pnpm/@scope+addon@2.0.0/node_modules/@scope/addon/binding.gyp"),
            "{}",
        );
        write(
            &modules.join(".pnpm/plain@1.0.0/node_modules/plain/package.json"),
            r#"{"name":"plain","version":"1.0.0"}"#,
        );
        write(&modules.join(".pnpm/lock.yaml"), "lockfileVersion: '9.0'\n");
        let fetched = fetched(root.path()).expect("walk");
        let names: Vec<&str> = fetched.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, vec!["@scope/addon", "scripted"]);
        // In .modules.yaml, not on disk where tollgate looked: refused by the caller.
        // A file: dependency matches by name; another version of a found name does not.
        assert_eq!(
            fetched.unfound,
            vec!["elsewhere@3.0.0".to_owned(), "scripted@2.0.0".to_owned()]
        );
    }

    #[test]
    fn older_yaml_state_and_a_missing_state_file() {
        let state = ModulesState::parse(
            "layoutVersion: 5\npendingBuilds:\n  - /a/1.0.0\nignoredBuilds:\n  - b@2.0.0\nvirtualStoreDir: /abs/.pnpm\n",
        )
        .expect("yaml");
        assert_eq!(
            state.pending,
            vec!["/a/1.0.0".to_owned(), "b@2.0.0".to_owned()]
        );
        assert_eq!(
            state.virtual_store(Path::new("/p/node_modules")),
            PathBuf::from("/abs/.pnpm")
        );
        let root = tempfile::tempdir().expect("tempdir");
        let modules = root.path().join("node_modules");
        std::fs::create_dir_all(modules.join(".pnpm")).expect("mkdir");
        let error = fetched(root.path()).expect_err("no state with a virtual store");
        assert!(format!("{error:#}").contains(".modules.yaml"), "{error:#}");
    }
}
