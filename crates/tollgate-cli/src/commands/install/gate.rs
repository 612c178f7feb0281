//! The gate of `tollgate install`: before anything is fetched, the packages named on the
//! command line are checked by name (typosquat, existence, bans, malicious-package records),
//! the package manager resolves the set into its lockfile without fetching artifacts or
//! running any third-party code, and the resolved set is checked with `tollgate-gate`'s
//! pipeline ([`Checker::check_inventory`]). When anything fails, each failing package is
//! printed with its rule and evidence, the manifest and lockfile are written back byte for
//! byte, and the install stops (exit 1). The resolve commands are in [`resolve_step`].

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tollgate_advisory::Index;
use tollgate_gate::{Checker, command, refusals};
use tollgate_lockfile::Inventory;
use tollgate_model::{
    Ecosystem, Finding, Lockfile, LockfileFormat, Package, escape_text as escape,
};

use super::verdict::PolicyAllow;
use super::{InstallArgs, Manager, yarn};
use crate::commands::policy::load_config;
use crate::registry::RegistryMetadata;

/// The manifest and lockfile as they were before the gate ran, which install directories
/// did not exist yet, and what pip's download directory held, so that a refusal leaves
/// the project as it was.
pub struct Snapshot {
    files: Vec<(PathBuf, Option<Vec<u8>>)>,
    installed: Vec<PathBuf>,
    downloads: Option<(PathBuf, BTreeSet<OsString>)>,
}

impl Snapshot {
    /// Records the files `manager` may change in `project`.
    pub fn take(manager: Manager, project: &Path) -> anyhow::Result<Snapshot> {
        let names: &[&str] = match manager {
            Manager::Npm => &["package.json", "package-lock.json", "npm-shrinkwrap.json"],
            Manager::Pnpm => &["package.json", "pnpm-lock.yaml"],
            Manager::Yarn => &["package.json", "yarn.lock"],
            Manager::Bun => &["package.json", "bun.lock", "bun.lockb"],
            Manager::Pip => &[],
            Manager::Uv => &["pyproject.toml", "uv.lock"],
            Manager::Cargo => &["Cargo.toml", "Cargo.lock"],
        };
        let mut files = Vec::new();
        for name in names {
            let path = project.join(name);
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => Some(bytes),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
                Err(error) => {
                    return Err(error).with_context(|| format!("reading {}", path.display()));
                }
            };
            files.push((path, bytes));
        }
        // Yarn Berry's resolve writes `.yarn/install-state.gz` (and its cache, when not
        // global): a `.yarn` the install made goes too.
        let made: &[&str] = match manager {
            Manager::Npm | Manager::Pnpm | Manager::Bun => &["node_modules"],
            Manager::Yarn => &["node_modules", ".yarn"],
            // uv's fetch makes the project environment; a failed fetch removes a new one.
            Manager::Uv => &[".venv"],
            Manager::Pip | Manager::Cargo => &[],
        };
        let installed = made
            .iter()
            .map(|name| project.join(name))
            .filter(|dir| !dir.exists())
            .collect();
        let downloads = match manager {
            Manager::Pip => {
                let dir = downloads_dir(project);
                let before = list(&dir)?;
                Some((dir, before))
            }
            _ => None,
        };
        Ok(Snapshot {
            files,
            installed,
            downloads,
        })
    }

    /// Writes every recorded file back (removing those that did not exist) and removes the
    /// install directories the install made.
    pub fn restore(&self) -> anyhow::Result<()> {
        for (path, bytes) in &self.files {
            match bytes {
                Some(bytes) => std::fs::write(path, bytes),
                None if path.exists() => std::fs::remove_file(path),
                None => Ok(()),
            }
            .with_context(|| format!("restoring {}", path.display()))?;
        }
        for dir in self.installed.iter().filter(|dir| dir.exists()) {
            std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
        }
        if let Some((dir, before)) = &self.downloads {
            for name in list(dir)?.difference(before) {
                let path = dir.join(name);
                let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
                if is_dir {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                }
                .with_context(|| format!("removing {}", path.display()))?;
            }
        }
        Ok(())
    }
}

/// Where pip's fetch phase downloads and its execute phase installs from.
pub fn downloads_dir(project: &Path) -> PathBuf {
    project.join(".tollgate").join("wheels")
}

/// The names in `dir` (none when it does not exist).
fn list(dir: &Path) -> anyhow::Result<BTreeSet<OsString>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeSet::new()),
        Err(error) => return Err(error).with_context(|| format!("listing {}", dir.display())),
    };
    let mut names = BTreeSet::new();
    for entry in entries {
        names.insert(
            entry
                .with_context(|| format!("listing {}", dir.display()))?
                .file_name(),
        );
    }
    Ok(names)
}

/// What the gate decided.
pub enum Outcome {
    /// Everything passed; the snapshot restores the project if a later phase refuses.
    Passed(Passed),
    /// Something failed; the project is as it was.
    Refused,
}

/// What the later phases need from a gate that passed.
pub struct Passed {
    /// Restores the project if a later phase refuses.
    pub snapshot: Snapshot,
    /// The policy's `[install-scripts]` allow-list, for the verdict step.
    pub policy_allow: PolicyAllow,
}

/// Runs one resolve command (in the project directory) and returns its exit status.
pub type Runner<'a> =
    &'a dyn Fn(&std::ffi::OsStr, &[OsString]) -> anyhow::Result<std::process::ExitStatus>;

/// Checks the named packages, resolves (through `runner`: pip's resolve can build a
/// direct reference, so the caller runs it in the fetch sandbox), checks the resolved set.
pub fn run(args: &InstallArgs, project: &Path, runner: Runner<'_>) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_deref(), project)?;
    let policy_allow = PolicyAllow {
        path: config.path.clone(),
        entries: config.install_scripts.allow.clone(),
    };
    // uv resolves against uv's index, which its settings may set apart from pip's: names
    // are looked up where uv will look for them (and not leaked to another index).
    let python = if args.manager == Manager::Uv {
        LockfileFormat::UvLock
    } else {
        LockfileFormat::Requirements
    };
    let metadata = RegistryMetadata::from_process_as(false, python)?;
    let index = Index::open(&args.location.dir()?);
    let checker = Checker::for_install(config, &metadata, index, args.allow_missing_db)?;
    for gap in checker.gaps() {
        crate::output::say!("tollgate install: note: {}", escape(&gap));
    }
    if args.manager == Manager::Yarn
        && let Some(why) = yarn::unsupported(project, names_given(&args.args))
    {
        anyhow::bail!("{why}; nothing was run and the project is unchanged");
    }
    let snapshot = Snapshot::take(args.manager, project)?;
    let mut findings = Vec::new();
    for install in command::installs(&named_command(args.manager, &args.args)) {
        let report = checker
            .check(install.ecosystem, &install.spec)
            .with_context(|| format!("checking {} {}", install.ecosystem, install.spec))?;
        findings.extend(report.findings);
    }
    if refuse(&findings, args) {
        return Ok(Outcome::Refused);
    }
    let resolved = resolve(args.manager, project, &args.args, runner).and_then(|paths| {
        let inventory = inventory_of(args.manager, &paths)?;
        Ok(checker.check_inventory(&inventory)?)
    });
    if let Ok(checked) = &resolved {
        for note in &checked.notes {
            crate::output::say!("tollgate install: note: {}", escape(note));
        }
    }
    match resolved {
        Ok(checked) if refuse(&checked.findings, args) => {
            snapshot.restore()?;
            Ok(Outcome::Refused)
        }
        Ok(_) => Ok(Outcome::Passed(Passed {
            snapshot,
            policy_allow,
        })),
        Err(error) => {
            snapshot.restore()?;
            Err(error.context("the resolve step failed; nothing was installed"))
        }
    }
}

/// Prints the refusals among `findings`; true when there is any.
fn refuse(findings: &[Finding], args: &InstallArgs) -> bool {
    let refused = refusals(findings, args.fail_on, &args.allow);
    if refused.is_empty() {
        return false;
    }
    eprintln!("tollgate install: refused; nothing was installed and the project is unchanged:");
    for finding in refused {
        let package = match (&finding.name, &finding.version) {
            (Some(name), Some(version)) if !version.is_empty() => format!("{name}@{version}"),
            (Some(name), _) => name.clone(),
            _ => "(project)".to_owned(),
        };
        let id = finding
            .id
            .as_deref()
            .map_or_else(String::new, |id| format!(" {id}"));
        eprintln!(
            "- {}: {} [{}{id}]: {}",
            escape(&package),
            finding.severity,
            finding.code,
            escape(&finding.summary)
        );
        for evidence in &finding.evidence {
            let detail = evidence
                .note
                .as_deref()
                .or(evidence.snippet.as_deref())
                .unwrap_or_default();
            eprintln!(
                "    evidence: {} {}",
                escape(&evidence.path),
                escape(detail)
            );
        }
    }
    eprintln!("(one-off exception: --allow PACKAGE; threshold: --fail-on)");
    true
}

/// The install command the arguments amount to, for finding the names they add.
fn named_command(manager: Manager, args: &[OsString]) -> String {
    let verb = match manager {
        Manager::Npm | Manager::Pip => "install",
        _ => "add",
    };
    let mut line = format!("{} {verb}", manager.name());
    for arg in args {
        line.push_str(" '");
        line.push_str(&arg.to_string_lossy().replace('\'', r"'\''"));
        line.push('\'');
    }
    line
}

/// Whether `args` name packages (anything that is not an option).
fn names_given(args: &[OsString]) -> bool {
    args.iter()
        .any(|arg| !arg.to_string_lossy().starts_with('-'))
}

/// The resolve command: writes the lockfile (or pip's report) without fetching artifacts
/// where the manager allows it and never running third-party code. `None`: the manager
/// has no such mode (Yarn classic, see [`yarn`]; cargo with a lockfile and no names), and
/// the existing lockfile is checked as it is.
fn resolve_step(
    manager: Manager,
    project: &Path,
    args: &[OsString],
) -> Option<(OsString, Vec<OsString>)> {
    let named = names_given(args);
    let (program, fixed): (&str, &[&str]) = match manager {
        Manager::Npm => (
            "npm",
            &[
                "install",
                "--package-lock-only",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
            ],
        ),
        Manager::Pnpm if named => ("pnpm", &["add", "--lockfile-only", "--ignore-scripts"]),
        Manager::Pnpm => ("pnpm", &["install", "--lockfile-only", "--ignore-scripts"]),
        Manager::Yarn => ("yarn", yarn::resolve_args(project, named)?),
        // Bun documents `--lockfile-only` ("generate a lockfile without installing
        // dependencies"; it still fills its cache with metadata, and with git or tarball
        // dependencies).
        Manager::Bun if named => ("bun", &["add", "--lockfile-only", "--ignore-scripts"]),
        Manager::Bun => ("bun", &["install", "--lockfile-only", "--ignore-scripts"]),
        Manager::Pip => (
            "python3",
            &[
                "-m",
                "pip",
                "install",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--only-binary=:all:",
            ],
        ),
        Manager::Uv if named => ("uv", &["add", "--no-sync", "--no-build"]),
        Manager::Uv => ("uv", &["lock", "--no-build"]),
        Manager::Cargo if named => ("cargo", &["add"]),
        Manager::Cargo if project.join("Cargo.lock").is_file() => return None,
        Manager::Cargo => ("cargo", &["generate-lockfile"]),
    };
    // pip runs as the project venv's own interpreter when there is one (see `pip_python`).
    let program = if manager == Manager::Pip {
        super::pip_python(project)
    } else {
        OsString::from(program)
    };
    let mut all: Vec<OsString> = fixed.iter().map(OsString::from).collect();
    if manager == Manager::Pip {
        all.push("--report".into());
        all.push(pip_report(project).into_os_string());
    }
    all.extend(args.iter().cloned());
    Some((program, all))
}

fn pip_report(project: &Path) -> PathBuf {
    project.join(".tollgate").join("pip-report.json")
}

/// Runs the resolve step; returns the files that hold the resolved set.
fn resolve(
    manager: Manager,
    project: &Path,
    args: &[OsString],
    runner: Runner<'_>,
) -> anyhow::Result<Vec<PathBuf>> {
    if let Some((program, step)) = resolve_step(manager, project, args) {
        if manager == Manager::Pip {
            let dir = project.join(".tollgate");
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let shown: Vec<String> = step
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        eprintln!(
            "tollgate install: resolve (no artifacts, no third-party code): {} {}",
            program.to_string_lossy(),
            shown.join(" ")
        );
        let status = runner(&program, &step)?;
        anyhow::ensure!(
            status.success(),
            "{} could not resolve ({status})",
            program.to_string_lossy()
        );
    }
    let candidates: &[&str] = match manager {
        Manager::Npm => &["npm-shrinkwrap.json", "package-lock.json"],
        Manager::Pnpm => &["pnpm-lock.yaml"],
        Manager::Yarn => &["yarn.lock"],
        // The binary `bun.lockb` of Bun < 1.2 is not read; Bun >= 1.2 writes `bun.lock`.
        Manager::Bun => &["bun.lock"],
        Manager::Pip => return Ok(vec![pip_report(project)]),
        Manager::Uv => &["uv.lock"],
        Manager::Cargo => &["Cargo.lock"],
    };
    let found: Vec<PathBuf> = candidates
        .iter()
        .map(|name| project.join(name))
        .filter(|path| path.is_file())
        .take(1)
        .collect();
    // (Yarn classic without a yarn.lock was refused before the gate ran.)
    anyhow::ensure!(
        !found.is_empty(),
        "the resolve step wrote no lockfile ({})",
        candidates.join(" or ")
    );
    Ok(found)
}

/// The resolved set as an inventory: a lockfile parsed, or pip's installation report.
fn inventory_of(manager: Manager, paths: &[PathBuf]) -> anyhow::Result<Inventory> {
    if manager != Manager::Pip {
        let inventory = tollgate_lockfile::inventory(paths);
        if let Some(error) = inventory.errors.first() {
            anyhow::bail!("the resolved lockfile cannot be read: {error}");
        }
        return Ok(inventory);
    }
    let path = &paths[0];
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: pip's installation report is not JSON", path.display()))?;
    let display = path.display().to_string();
    let mut lockfile = Lockfile::new(&display, LockfileFormat::Requirements);
    for (line, item) in report["install"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let metadata = &item["metadata"];
        match (metadata["name"].as_str(), metadata["version"].as_str()) {
            (Some(name), Some(version)) => {
                lockfile
                    .packages
                    .push(Package::new(Ecosystem::PyPI, name, version));
            }
            _ => anyhow::bail!("{display}: install entry {line} has no name and version"),
        }
    }
    Ok(Inventory {
        lockfiles: vec![lockfile],
        errors: Vec::new(),
    })
}
