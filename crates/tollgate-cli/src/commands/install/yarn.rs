//! Yarn's two generations, which `tollgate install yarn` drives differently.
//!
//! - **Berry** (Yarn 2 and later) can resolve without linking or building:
//!   `yarn install --mode=update-lockfile` ("doesn't run the link step, and only fetches
//!   what's necessary to compute an updated lockfile", Yarn's `InstallMode` reference;
//!   `yarn add` takes the same `--mode`). It still downloads the archives into Yarn's cache
//!   to write their checksums, but nothing is unpacked into the project and nothing runs.
//!   The fetch is `yarn install --immutable --mode=skip-build` (Berry has no
//!   `--ignore-scripts`). The verdict and execute phases read `node_modules`, so only the
//!   `nodeLinker: node-modules` layout is driven; Plug'n'Play keeps packages in zip
//!   archives the verdict step does not locate, and is refused before anything runs.
//! - **Classic** (1.x) has no lockfile-only mode: `yarn add` and an install without a
//!   lockfile resolve, fetch and link in one go. The gate cannot check a resolved set before
//!   the fetch, so those are refused (exit 2, the project untouched), as no other manager
//!   is let fetch what was not checked; an install from an existing `yarn.lock` is checked
//!   as locked and fetched with `--frozen-lockfile`, so the checked set is the fetched one.
//!
//! The generation is read from the project (never by running `yarn`, whose classic
//! `yarn-path` and Berry `yarnPath` settings run a file of the project): `.yarnrc.yml`, a
//! Berry lockfile (`__metadata:`), or `packageManager: "yarn@2..."` in package.json.

use std::ffi::OsString;
use std::path::Path;

/// Which Yarn a project uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavour {
    /// Yarn 1.x.
    Classic,
    /// Yarn 2 and later.
    Berry,
}

/// The generation of Yarn `project` is set up for.
pub(super) fn flavour(project: &Path) -> Flavour {
    let berry_lock = std::fs::read_to_string(project.join("yarn.lock"))
        .is_ok_and(|lock| lock.lines().any(|line| line.starts_with("__metadata:")));
    let berry_manager = std::fs::read_to_string(project.join("package.json"))
        .ok()
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
        .and_then(|json| json.get("packageManager")?.as_str().map(str::to_owned))
        .and_then(|spec| {
            let major = spec.strip_prefix("yarn@")?.split('.').next()?.to_owned();
            major.parse::<u32>().ok()
        })
        .is_some_and(|major| major >= 2);
    if project.join(".yarnrc.yml").is_file() || berry_lock || berry_manager {
        Flavour::Berry
    } else {
        Flavour::Classic
    }
}

/// Why `tollgate install yarn` cannot go on in `project` with these arguments, if it
/// cannot: checked before anything runs.
pub(super) fn unsupported(project: &Path, names_given: bool) -> Option<String> {
    match flavour(project) {
        Flavour::Classic if names_given => Some(
            "Yarn classic (1.x) has no lockfile-only mode: `yarn add` resolves, downloads and links in one step, so tollgate cannot check what it would install before it fetches. Add the dependency to package.json and yarn.lock some other way (or use Yarn >= 2, whose `--mode=update-lockfile` the gate uses), then run `tollgate install yarn` to check and install the lockfile".to_owned(),
        ),
        Flavour::Classic if !project.join("yarn.lock").is_file() => Some(
            "Yarn classic (1.x) has no lockfile-only mode and there is no yarn.lock: an install would resolve and download in one step, before tollgate could check the resolved set. Commit a yarn.lock, or use Yarn >= 2".to_owned(),
        ),
        Flavour::Classic => None,
        Flavour::Berry if !node_modules_linker(project) => Some(
            "this Yarn (>= 2) project does not use `nodeLinker: node-modules` in .yarnrc.yml: with Plug'n'Play the packages stay in zip archives that the verdict step does not read yet, so their install scripts cannot be judged".to_owned(),
        ),
        Flavour::Berry => None,
    }
}

/// Whether `.yarnrc.yml` sets `nodeLinker: node-modules` (quoted or not).
fn node_modules_linker(project: &Path) -> bool {
    std::fs::read_to_string(project.join(".yarnrc.yml")).is_ok_and(|text| {
        text.lines().any(|line| {
            line.split_once(':').is_some_and(|(key, value)| {
                key.trim() == "nodeLinker"
                    && value.trim().trim_matches(['"', '\'']) == "node-modules"
            })
        })
    })
}

/// The resolve command (Berry only; classic has none, and [`unsupported`] refused the
/// cases that would need one).
pub(super) fn resolve_args(project: &Path, names_given: bool) -> Option<&'static [&'static str]> {
    match flavour(project) {
        Flavour::Classic => None,
        Flavour::Berry if names_given => Some(&["add", "--mode=update-lockfile"]),
        Flavour::Berry => Some(&["install", "--mode=update-lockfile"]),
    }
}

/// The fetch command's fixed arguments: the lockfile as checked, no build scripts.
pub(super) fn fetch_args(project: &Path) -> &'static [&'static str] {
    match flavour(project) {
        Flavour::Classic => &["install", "--frozen-lockfile", "--ignore-scripts"],
        Flavour::Berry => &["install", "--immutable", "--mode=skip-build"],
    }
}

/// Berry takes no package names at `install`; classic's options pass through as before.
pub(super) fn fetch_extra(project: &Path, extra: &[OsString]) -> Vec<OsString> {
    match flavour(project) {
        Flavour::Classic => extra.to_vec(),
        Flavour::Berry => super::options(extra),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    #[test]
    fn the_generation_comes_from_the_project_files() {
        let classic = project(&[
            ("package.json", "{}"),
            ("yarn.lock", "# yarn lockfile v1\n"),
        ]);
        assert_eq!(flavour(classic.path()), Flavour::Classic);
        let lock = project(&[("yarn.lock", "__metadata:\n  version: 10\n")]);
        assert_eq!(flavour(lock.path()), Flavour::Berry);
        let manager = project(&[("package.json", r#"{"packageManager":"yarn@4.5.0"}"#)]);
        assert_eq!(flavour(manager.path()), Flavour::Berry);
        let old = project(&[("package.json", r#"{"packageManager":"yarn@1.22.22"}"#)]);
        assert_eq!(flavour(old.path()), Flavour::Classic);
    }

    #[test]
    fn what_cannot_be_resolved_without_a_fetch_is_refused() {
        let classic = project(&[("package.json", "{}")]);
        assert!(unsupported(classic.path(), true).is_some_and(|why| why.contains("yarn add")));
        assert!(unsupported(classic.path(), false).is_some_and(|why| why.contains("no yarn.lock")));
        let locked = project(&[("package.json", "{}"), ("yarn.lock", "\n")]);
        assert_eq!(unsupported(locked.path(), false), None);
        assert_eq!(resolve_args(locked.path(), false), None);
        let pnp = project(&[(".yarnrc.yml", "enableTelemetry: false\n")]);
        assert!(unsupported(pnp.path(), true).is_some_and(|why| why.contains("Plug'n'Play")));
        let linked = project(&[(".yarnrc.yml", "nodeLinker: \"node-modules\"\n")]);
        assert_eq!(unsupported(linked.path(), true), None);
        assert_eq!(
            resolve_args(linked.path(), true),
            Some(&["add", "--mode=update-lockfile"][..])
        );
        assert_eq!(
            fetch_args(linked.path()),
            &["install", "--immutable", "--mode=skip-build"][..]
        );
    }
}
