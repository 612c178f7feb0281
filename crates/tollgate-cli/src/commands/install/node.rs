//! npm and Yarn packages with install-time scripts under `node_modules` (scoped and
//! nested; pnpm's virtual store is walked by [`super::pnpm`] with the same readers), and
//! their execute phase: one `npm rebuild NAME` per package in the sandbox,
//! with a guard on what it may change outside its own directory.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tollgate_sandbox::{Plan, guard};

use super::{InstallArgs, Step, run_step};

/// Reports (and counts) what an execute phase changed in `node_modules` outside its own
/// package: another package's files or `.bin` shims, which the next step would run.
fn report_output_changes(
    who: &str,
    changes: Result<Vec<guard::Change>, PathBuf>,
    project: &Path,
) -> usize {
    let shown = |path: &Path| {
        path.strip_prefix(project)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let changes = match changes {
        Ok(changes) => changes,
        Err(root) => {
            eprintln!(
                "tollgate install: CRITICAL: {} could not be fully walked after the {}; what it changed is unchecked",
                shown(&root).escape_debug(),
                who.escape_debug()
            );
            return 1;
        }
    };
    for change in &changes {
        eprintln!(
            "tollgate install: CRITICAL: the {} {} {}, outside its own package ({})",
            who.escape_debug(),
            change.what,
            shown(&change.path).escape_debug(),
            if change.undone {
                "undone"
            } else {
                "could NOT be undone: reinstall"
            }
        );
    }
    changes.len()
}

/// npm and Yarn: rebuild each package that has install scripts on its own (the verdict
/// step has judged them all), so that every denial is attributed to the package whose
/// script caused it. Returns how many failed or were denied something.
pub(super) fn run_node_scripts(
    args: &InstallArgs,
    project: &Path,
    packages: &[ScriptedPackage],
    offline: &Plan,
    networked: Option<&Plan>,
) -> anyhow::Result<usize> {
    crate::output::say!(
        "tollgate install: execute (sandbox): {} package(s) with install scripts",
        packages.len()
    );
    let mut failures = 0;
    for package in packages {
        if args.skip_scripts.contains(&package.name) {
            eprintln!(
                "tollgate install: skipped the {} of {} (--skip-scripts)",
                package.scripts.join("/"),
                package.name
            );
            continue;
        }
        let (plan, network) = match networked {
            Some(networked) if args.network_for.contains(&package.name) => {
                (networked, "registry-only, through tollgate's proxy")
            }
            _ => (offline, "off"),
        };
        let step = Step::new(
            "npm",
            &["rebuild", "--foreground-scripts"],
            &[package.name.clone().into()],
        );
        let who = format!("{} of {}", package.scripts.join("/"), package.name);
        let node_modules = project.join("node_modules");
        let guard = guard::Guard::record_verified(
            &node_modules,
            &package.dirs,
            &dependency_dirs(&node_modules, &package.dirs),
        );
        failures += run_step(plan, &step, &who, network)?;
        failures += report_output_changes(&who, guard.check_and_undo(), project);
    }
    Ok(failures)
}

/// The directories of the packages that `dirs` (copies of one package) depend on, nested
/// or hoisted: their files may be linked into the package by its script (esbuild links its
/// platform package's binary), which the guard verifies by content instead of flagging.
fn dependency_dirs(node_modules: &Path, dirs: &[PathBuf]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(text) = std::fs::read_to_string(dir.join("package.json")) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        for field in ["dependencies", "optionalDependencies"] {
            let Some(names) = json.get(field).and_then(|d| d.as_object()) else {
                continue;
            };
            for name in names.keys() {
                // A name is `pkg` or `@scope/pkg`; anything else could climb out.
                let plain = name
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != "..");
                if !plain || name.matches('/').count() > 1 {
                    continue;
                }
                let nested = dir.join("node_modules").join(name);
                found.push(if nested.is_dir() {
                    nested
                } else {
                    node_modules.join(name)
                });
            }
        }
    }
    found
}

/// A package under node_modules with install-time scripts.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct ScriptedPackage {
    /// The name in its package.json.
    pub name: String,
    /// The install-time scripts it declares.
    pub scripts: Vec<String>,
    /// Every directory of this name (`npm rebuild NAME` builds nested copies too).
    pub dirs: Vec<PathBuf>,
}

/// Deepest node_modules nesting walked; real trees stay far below it.
const MAX_NESTING: usize = 32;

/// Packages under `node_modules` (scoped and nested included) whose package.json has
/// `preinstall`, `install` or `postinstall`, or a binding.gyp (npm then runs
/// `node-gyp rebuild` as the implicit install script). Sorted by name, de-duplicated.
pub(super) fn scripted_packages(node_modules: &Path) -> anyhow::Result<Vec<ScriptedPackage>> {
    let mut found = Vec::new();
    let mut pending: Vec<(PathBuf, usize)> = vec![(node_modules.to_path_buf(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        for package_dir in package_dirs(&dir)? {
            if let Some(package) = read_scripts(&package_dir)? {
                found.push(package);
            }
            let nested = package_dir.join("node_modules");
            if depth < MAX_NESTING && nested.is_dir() {
                pending.push((nested, depth + 1));
            }
        }
    }
    Ok(merged(found))
}

/// `found` sorted by name, one entry per name with every directory of it.
pub(super) fn merged(mut found: Vec<ScriptedPackage>) -> Vec<ScriptedPackage> {
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found.dedup_by(|later, kept| {
        let same = later.name == kept.name;
        if same {
            kept.dirs.append(&mut later.dirs);
        }
        same
    });
    found
}

/// `dir/<name>` and `dir/@scope/<name>` entries (symlinked workspace packages skipped).
pub(super) fn package_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(dirs);
    };
    for entry in entries {
        let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            continue;
        }
        if name.starts_with('@') {
            dirs.extend(package_dirs(&entry.path())?);
        } else {
            dirs.push(entry.path());
        }
    }
    Ok(dirs)
}

/// The install-time scripts declared by `package_dir/package.json`, if any.
pub(super) fn read_scripts(package_dir: &Path) -> anyhow::Result<Option<ScriptedPackage>> {
    let manifest = package_dir.join("package.json");
    let Ok(text) = std::fs::read_to_string(&manifest) else {
        return Ok(None);
    };
    let json: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: expected a JSON package manifest", manifest.display()))?;
    let Some(name) = json.get("name").and_then(|name| name.as_str()) else {
        return Ok(None);
    };
    let declared = json.get("scripts");
    let mut scripts: Vec<String> = ["preinstall", "install", "postinstall"]
        .iter()
        .filter(|script| declared.and_then(|all| all.get(**script)).is_some())
        .map(|script| (*script).to_owned())
        .collect();
    if package_dir.join("binding.gyp").is_file()
        && !scripts.iter().any(|s| s == "install" || s == "preinstall")
    {
        scripts.push("install (node-gyp rebuild)".to_owned());
    }
    Ok((!scripts.is_empty()).then(|| ScriptedPackage {
        name: name.to_owned(),
        scripts,
        dirs: vec![package_dir.to_path_buf()],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn finds_scripted_packages_scoped_nested_and_gyp() {
        let root = tempfile::tempdir().expect("tempdir");
        let modules = root.path().join("node_modules");
        write(
            &modules.join("plain/package.json"),
            r#"{"name":"plain","scripts":{"test":"x"}}"#,
        );
        write(
            &modules.join("esbuild/package.json"),
            r#"{"name":"esbuild","scripts":{"postinstall":"node install.js"}}"#,
        );
        write(
            &modules.join("@scope/addon/package.json"),
            r#"{"name":"@scope/addon"}"#,
        );
        write(&modules.join("@scope/addon/binding.gyp"), "{}");
        write(
            &modules.join("a/node_modules/deep/package.json"),
            r#"{"name":"deep","scripts":{"preinstall":"x"}}"#,
        );
        write(&modules.join("a/package.json"), r#"{"name":"a"}"#);
        let found = scripted_packages(&modules).expect("walk");
        let summary: Vec<(String, Vec<String>)> =
            found.into_iter().map(|p| (p.name, p.scripts)).collect();
        assert_eq!(
            summary,
            vec![
                (
                    "@scope/addon".to_owned(),
                    vec!["install (node-gyp rebuild)".to_owned()]
                ),
                ("deep".to_owned(), vec!["preinstall".to_owned()]),
                ("esbuild".to_owned(), vec!["postinstall".to_owned()]),
            ]
        );
    }

    #[test]
    fn broken_manifest_is_an_error_naming_the_file() {
        let root = tempfile::tempdir().expect("tempdir");
        let modules = root.path().join("node_modules");
        write(&modules.join("bad/package.json"), "{not json");
        let error = scripted_packages(&modules).expect_err("must fail");
        assert!(
            format!("{error:#}").contains("bad/package.json"),
            "{error:#}"
        );
    }
}
