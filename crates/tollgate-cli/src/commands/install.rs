//! `tollgate install <manager> [-- ARGS...]`: the gate, then a two-phase install. The gate
//! ([`install_gate`]) checks the named packages, has the manager resolve without fetching
//! or running anything, checks the resolved set and refuses (project restored) when
//! anything fails. Then the fetch phase runs the package manager with the network on and
//! every way of running third-party code switched off by its own flags, in a networked
//! sandbox of its own (pip's cannot be kept from building direct references; the others
//! read attacker-controlled files); the execute phase runs the install-time code (npm
//! lifecycle scripts, Python builds, build scripts) in the sandbox with the network off.
//! The exact commands and the documentation they were checked against are in
//! docs/sandbox.md.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use tollgate_sandbox::proxy::AllowedHost;
use tollgate_sandbox::{Cache, KernelSupport, Plan, fetch, guard};

use tollgate_analysis::{JudgeOptions, PackageFiles, VerdictLevel, analyze_package_with};
use tollgate_model::Severity;
use tollgate_registry::{ConfigInputs, RegistryConfig};

use crate::commands::db::DbLocation;
use crate::commands::install_gate::{self, Outcome, escape};
use crate::commands::run::{self, Capture, SandboxArgs};
use crate::commands::venv_guard;
use crate::exit::Status;

pub use tollgate_sandbox::fetch::Manager;

/// Parses the manager argument, listing every manager in `--help`.
fn manager_parser() -> impl clap::builder::TypedValueParser<Value = Manager> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    let values = Manager::ALL.map(|m| PossibleValue::new(m.name()).help(m.describe()));
    PossibleValuesParser::new(values).try_map(|name| name.parse::<Manager>())
}

/// `tollgate install`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The package manager.
    #[arg(value_parser = manager_parser())]
    pub manager: Manager,
    /// Print the execute-phase sandbox and exit.
    #[arg(long)]
    pub explain: bool,
    /// npm/yarn: never run the install scripts of PACKAGE.
    #[arg(long = "skip-scripts", value_name = "PACKAGE")]
    pub skip_scripts: Vec<String>,
    /// npm/yarn: PACKAGE's install script may use the --allow-connect ports (e.g. a
    /// prebuilt-binary downloader); every other package stays offline.
    #[arg(
        long = "network-for",
        value_name = "PACKAGE",
        requires = "allow_connect"
    )]
    pub network_for: Vec<String>,
    /// What the execute-phase sandbox allows.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// The advisory index.
    #[command(flatten)]
    pub location: DbLocation,
    /// The policy file (default: `tollgate.toml` in the project).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Refuse the install when a finding is at or above this severity (info, low, medium,
    /// high, critical); malicious-package records always refuse.
    #[arg(long, value_name = "SEVERITY", default_value = "high")]
    pub fail_on: Severity,
    /// A one-off exception: findings for PACKAGE do not refuse the install, and its
    /// install-time code may run when judged suspicious (never when malicious).
    #[arg(long = "allow", value_name = "PACKAGE")]
    pub allow: Vec<String>,
    /// Install even without an advisory index (what was not checked is printed).
    #[arg(long)]
    pub allow_missing_db: bool,
    /// Extra arguments: package names to add and options. npm/pnpm/yarn/uv: names go to
    /// the resolve step, options (write `--opt=value`) to resolve and fetch; pip: both
    /// phases (e.g. `-r requirements.txt`); cargo: names to `cargo add`, options to the build.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

/// A command line: program and arguments.
struct Step {
    program: &'static str,
    args: Vec<OsString>,
}

impl Step {
    fn new(program: &'static str, fixed: &[&str], extra: &[OsString]) -> Step {
        let mut args: Vec<OsString> = fixed.iter().map(OsString::from).collect();
        args.extend(extra.iter().cloned());
        Step { program, args }
    }

    fn display(&self) -> String {
        let mut line = self.program.to_owned();
        for arg in &self.args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        line
    }
}

/// Runs both phases. Exit 1 when some install-time code failed or was denied something
/// (the install itself still completes), 2 when the fetch phase failed.
pub fn run(args: &InstallArgs) -> anyhow::Result<Status> {
    let mut policy = args.sandbox.policy(None)?;
    policy.caches.push(cache_for(args.manager));
    policy.set_env.extend(sandbox_env(args.manager));
    if let Some(mut outputs) = outputs_for(args.manager, &policy.project)? {
        outputs.extend(policy.outputs.take().unwrap_or_default());
        policy.outputs = Some(outputs);
    }
    // Network is only for the packages named by --network-for; the plan below is offline.
    let connect_ports = std::mem::take(&mut policy.connect_ports);
    // `--allow-host` is for the fetch phase (`fetch_hosts`).
    policy.allow_hosts.clear();
    let project = policy.project.clone();
    let support = KernelSupport::probe();
    let plan = Plan::new(policy.clone(), support)?;
    if args.explain {
        print!("{}", plan.explain());
        return Ok(Status::Clean);
    }
    plan.check()?;
    if args.manager == Manager::Pip {
        // pip's resolve writes its report under `.tollgate`, the sandbox's writable part.
        let dir = project.join(".tollgate");
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // The resolve step runs the manager on attacker-controlled files (and pip builds direct
    // references while resolving): it gets the same sandbox as the fetch phase.
    let fetch_plan = fetch_plan(args, &project, plan.home(), support)?;
    let resolve_who = format!("{}'s resolve", args.manager.name());
    let runner = |program: &str, step: &[OsString]| {
        run_in_fetch_sandbox(&fetch_plan, &resolve_who, program, step)
    };
    let snapshot = match install_gate::run(args, &project, &runner)? {
        Outcome::Passed(snapshot) => snapshot,
        Outcome::Refused => return Ok(Status::Findings),
    };
    let wheels = project.join(".tollgate").join("wheels");
    let fetch = fetch_step(args.manager, &project, &wheels, &args.args);
    eprintln!(
        "tollgate install: fetch (network on, third-party code off): {}",
        fetch.display()
    );
    if args.manager == Manager::Pip {
        // `.tollgate/wheels` is the pip fetch sandbox's only writable part of the project.
        std::fs::create_dir_all(&wheels)
            .with_context(|| format!("creating {}", wheels.display()))?;
    }
    let who = format!("{}'s fetch phase", args.manager.name());
    let status = run_in_fetch_sandbox(&fetch_plan, &who, fetch.program, &fetch.args)?;
    if !status.success() {
        anyhow::bail!("the fetch phase failed ({}): {status}", fetch.display());
    }
    let failures = match args.manager {
        Manager::Npm | Manager::Yarn => {
            let networked = if connect_ports.is_empty() {
                None
            } else {
                let mut networked = policy;
                networked.connect_ports = connect_ports;
                let networked = Plan::new(networked, support)?;
                networked.check()?;
                Some(networked)
            };
            match run_node_scripts(args, &project, &plan, networked.as_ref())? {
                Some(failures) => failures,
                None => {
                    snapshot.restore()?;
                    return Ok(Status::Findings);
                }
            }
        }
        Manager::Pip => {
            let guard =
                venv_guard::project_venv(&project).map(|venv| venv_guard::Guard::record(&venv));
            let step = execute_step(Manager::Pip, &wheels, &args.args);
            let failures = run_step(&plan, &step, "pip", "off")?;
            failures + guard.map_or(0, |guard| report_venv_changes(&guard, &project))
        }
        manager => {
            let step = execute_step(manager, &wheels, &args.args);
            run_step(&plan, &step, manager.name(), "off")?
        }
    };
    Ok(if failures == 0 {
        Status::Clean
    } else {
        Status::Findings
    })
}

/// Reports (and counts) interpreter entries of the venv that the execute phase changed.
fn report_venv_changes(guard: &venv_guard::Guard, project: &Path) -> usize {
    let changed = guard.check_and_restore();
    for (path, restored) in &changed {
        let shown = path.strip_prefix(project).unwrap_or(path).display();
        eprintln!(
            "tollgate install: CRITICAL: the execute phase changed {shown}, which the next step would run ({})",
            if *restored {
                "restored"
            } else {
                "could NOT be restored"
            }
        );
    }
    changed.len()
}

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

/// The build outputs the execute phase may write; the rest of the project is read-only, so
/// install-time code cannot plant configuration (`.npmrc`, `.cargo/config.toml`,
/// `.git/hooks`, editor tasks) for the next, unsandboxed step. pip: the project's venv; uv:
/// `None` (the whole project stays writable: `uv sync` may rewrite `uv.lock` and make `.venv`).
fn outputs_for(manager: Manager, project: &Path) -> anyhow::Result<Option<Vec<PathBuf>>> {
    Ok(match manager {
        Manager::Npm | Manager::Yarn | Manager::Pnpm => Some(vec![PathBuf::from("node_modules")]),
        Manager::Cargo => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| project.join("target"), |dir| project.join(dir));
            // cargo makes it on first build, which a read-only project would refuse.
            if target.starts_with(project) {
                std::fs::create_dir_all(&target)
                    .with_context(|| format!("creating {}", target.display()))?;
            }
            Some(vec![target])
        }
        // pip installs into the project's venv, if it has one (whose interpreter entries are
        // then checked after the phase, see `venv_guard`); without one, the whole project.
        Manager::Pip => venv_guard::project_venv(project).map(|venv| vec![venv]),
        Manager::Uv => None,
    })
}

/// Every fetch phase runs in a networked sandbox of its own (`tollgate_sandbox::fetch`):
/// the manager's credentials and cache, the registry hosts only (through tollgate's proxy),
/// no other file of `$HOME`.
fn fetch_plan(
    args: &InstallArgs,
    project: &Path,
    home: &Path,
    support: KernelSupport,
) -> anyhow::Result<Plan> {
    let extra = fetch::Extra {
        read_only: args.sandbox.allow_read.clone(),
        read_write: args.sandbox.allow_write.clone(),
        hosts: fetch_hosts(args, project)?,
        allow_weaker: args.sandbox.allow_weaker,
    };
    let plan = Plan::new(fetch::policy(args.manager, project, home, &extra), support)?;
    plan.check()?;
    Ok(plan)
}

/// The hosts the fetch may reach through the registry proxy: every registry the user's
/// npm/pip/uv/cargo settings name, the public ones, and `--allow-host`.
fn fetch_hosts(args: &InstallArgs, project: &Path) -> anyhow::Result<Vec<AllowedHost>> {
    let registries = RegistryConfig::discover(&ConfigInputs::from_process(project));
    let mut hosts = run::registry_hosts(&registries);
    hosts.extend(args.sandbox.allowed_hosts()?);
    hosts.sort();
    hosts.dedup();
    Ok(hosts)
}

/// Runs one step of the manager in its fetch sandbox and reports what was denied.
fn run_in_fetch_sandbox(
    plan: &Plan,
    who: &str,
    program: &str,
    args: &[OsString],
) -> anyhow::Result<std::process::ExitStatus> {
    let outcome = run::run_sandboxed(plan, program.as_ref(), args, Capture::Both)?;
    if let Some(signal) = outcome.interrupted {
        anyhow::bail!("interrupted by signal {signal}; {who} was killed");
    }
    run::report_denials(&mut std::io::stderr().lock(), who, &outcome.denials)
        .context("writing to standard error")?;
    Ok(outcome.status)
}

fn cache_for(manager: Manager) -> Cache {
    match manager {
        // The execute phase of npm and yarn is `npm rebuild`: it only reads the cache.
        Manager::Npm | Manager::Yarn => Cache::NpmRebuild,
        Manager::Pnpm => Cache::Npm,
        Manager::Pip => Cache::Pip,
        Manager::Uv => Cache::Uv,
        // `cargo fetch` unpacked every source: the build only reads them.
        Manager::Cargo => Cache::CargoBuild,
    }
}

/// Settings that keep the package manager offline and away from the user's config file
/// (which is where registry tokens live) inside the sandbox.
fn sandbox_env(manager: Manager) -> Vec<(OsString, OsString)> {
    let pairs: &[(&str, &str)] = match manager {
        Manager::Npm | Manager::Pnpm | Manager::Yarn => &[
            ("NPM_CONFIG_USERCONFIG", "/dev/null"),
            ("NPM_CONFIG_OFFLINE", "true"),
            ("NPM_CONFIG_AUDIT", "false"),
            ("NPM_CONFIG_FUND", "false"),
            ("NPM_CONFIG_UPDATE_NOTIFIER", "false"),
        ],
        Manager::Pip => &[("PIP_CONFIG_FILE", "/dev/null"), ("PIP_NO_INDEX", "1")],
        Manager::Uv => &[("UV_OFFLINE", "1")],
        Manager::Cargo => &[("CARGO_NET_OFFLINE", "true")],
    };
    pairs
        .iter()
        .map(|(name, value)| (OsString::from(name), OsString::from(value)))
        .collect()
}

/// The fetch-phase command: network on, no third-party code.
fn fetch_step(manager: Manager, project: &Path, wheels: &Path, extra: &[OsString]) -> Step {
    match manager {
        // The resolve step wrote the lockfile with the named packages in it: the fetch
        // installs exactly the set that was checked.
        Manager::Npm => Step::new("npm", &["ci", "--ignore-scripts"], &options(extra)),
        Manager::Pnpm => Step::new(
            "pnpm",
            &["install", "--frozen-lockfile", "--ignore-scripts"],
            &options(extra),
        ),
        Manager::Yarn => Step::new(
            "yarn",
            &["install", "--frozen-lockfile", "--ignore-scripts"],
            extra,
        ),
        Manager::Pip => {
            let mut step = Step::new(
                "python3",
                &["-m", "pip", "download", "--only-binary=:all:", "--dest"],
                &[],
            );
            step.args.push(wheels.as_os_str().to_owned());
            step.args.extend(extra.iter().cloned());
            step
        }
        Manager::Uv => Step::new(
            "uv",
            &["sync", "--no-install-project", "--no-build"],
            &options(extra),
        ),
        Manager::Cargo if project.join("Cargo.lock").is_file() => {
            Step::new("cargo", &["fetch", "--locked"], &[])
        }
        Manager::Cargo => Step::new("cargo", &["fetch"], &[]),
    }
}

/// The options among `extra` (the names went to the resolve step).
fn options(extra: &[OsString]) -> Vec<OsString> {
    extra
        .iter()
        .filter(|arg| arg.to_string_lossy().starts_with('-'))
        .cloned()
        .collect()
}

/// The execute-phase command for the managers that run everything in one step.
fn execute_step(manager: Manager, wheels: &Path, extra: &[OsString]) -> Step {
    match manager {
        // pnpm >= 10 skips every build script not approved in the project's settings
        // (`onlyBuiltDependencies`); the gate has judged them and the sandbox confines
        // them, as `npm rebuild` does for npm. (Older pnpm ignores the setting.)
        Manager::Pnpm => Step::new(
            "pnpm",
            &["rebuild", "--config.dangerously-allow-all-builds=true"],
            &[],
        ),
        Manager::Pip => {
            let mut step = Step::new(
                "python3",
                &["-m", "pip", "install", "--no-index", "--find-links"],
                &[],
            );
            step.args.push(wheels.as_os_str().to_owned());
            step.args.extend(extra.iter().cloned());
            step
        }
        Manager::Uv => Step::new("uv", &["sync", "--offline"], &options(extra)),
        Manager::Npm | Manager::Yarn => Step::new("npm", &["rebuild", "--foreground-scripts"], &[]),
        Manager::Cargo => Step::new("cargo", &["build", "--offline"], &options(extra)),
    }
}

/// Runs one execute-phase step in `plan`; returns 1 when it failed or was denied something.
fn run_step(plan: &Plan, step: &Step, who: &str, network: &str) -> anyhow::Result<usize> {
    eprintln!(
        "tollgate install: execute (sandbox, network {network}): {}",
        step.display()
    );
    let outcome = run::run_sandboxed(plan, step.program.as_ref(), &step.args, Capture::Both)?;
    if let Some(signal) = outcome.interrupted {
        // Returning the error drops the plans, which removes their private directories.
        anyhow::bail!("interrupted by signal {signal}; the sandboxed {who} was killed");
    }
    let mut stderr = std::io::stderr().lock();
    run::report_denials(&mut stderr, who, &outcome.denials).context("writing to standard error")?;
    if !outcome.status.success() {
        writeln!(
            stderr,
            "tollgate install: {who} failed in the sandbox ({})",
            outcome.status
        )
        .context("writing to standard error")?;
    }
    Ok(usize::from(
        !outcome.status.success() || !outcome.denials.is_empty(),
    ))
}

/// npm and Yarn: rebuild each package that has install scripts on its own, so that every
/// denial is attributed to the package whose script caused it. First each one's
/// install-time code is analysed; `None` (nothing run) when one is judged malicious, or
/// suspicious without `--allow`, or cannot be analysed.
fn run_node_scripts(
    args: &InstallArgs,
    project: &Path,
    offline: &Plan,
    networked: Option<&Plan>,
) -> anyhow::Result<Option<usize>> {
    let packages = scripted_packages(&project.join("node_modules"))?;
    let mut refused = false;
    for package in packages
        .iter()
        .filter(|p| !args.skip_scripts.contains(&p.name))
    {
        for dir in &package.dirs {
            refused |= !install_code_passes(args, &package.name, dir);
        }
    }
    if refused {
        eprintln!("tollgate install: nothing was run; the project is restored");
        return Ok(None);
    }
    eprintln!(
        "tollgate install: execute (sandbox): {} package(s) with install scripts",
        packages.len()
    );
    let mut failures = 0;
    for package in &packages {
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
                (networked, "limited to --allow-connect ports")
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
        let guard = guard::Guard::record(&node_modules, &package.dirs);
        failures += run_step(plan, &step, &who, network)?;
        failures += report_output_changes(&who, guard.check_and_undo(), project);
    }
    Ok(Some(failures))
}

/// Judges the install-time code in `dir` before it may run: clean passes, suspicious
/// passes only with `--allow NAME`; malicious or unanalysable code is refused (and said so).
fn install_code_passes(args: &InstallArgs, name: &str, dir: &Path) -> bool {
    let shown = escape(name);
    let verdict = PackageFiles::from_directory(dir)
        .and_then(|files| analyze_package_with(name, &files, &JudgeOptions::default()));
    match verdict.map(|report| report.verdict) {
        Ok(verdict) if verdict.level == VerdictLevel::Clean => true,
        Ok(verdict)
            if verdict.level == VerdictLevel::Suspicious
                && args.allow.iter().any(|a| a == name) =>
        {
            eprintln!("tollgate install: {shown} is judged suspicious; allowed by --allow");
            true
        }
        Ok(verdict) => {
            let reasons: Vec<String> = verdict
                .reasons
                .iter()
                .map(|r| escape(&format!("{} at {}:{}: {}", r.rule, r.file, r.line, r.why)))
                .collect();
            eprintln!(
                "tollgate install: refused: the install-time code of {shown} is judged {} (score {}, {}): {}",
                verdict.level.as_str(),
                verdict.score,
                escape(&dir.display().to_string()),
                reasons.join("; ")
            );
            false
        }
        Err(error) => {
            eprintln!(
                "tollgate install: refused: the install-time code of {shown} cannot be analysed: {}",
                escape(&error.to_string())
            );
            false
        }
    }
}

/// A package under node_modules with install-time scripts.
#[derive(Debug, PartialEq, Eq)]
struct ScriptedPackage {
    name: String,
    scripts: Vec<String>,
    /// Every directory of this name (`npm rebuild NAME` builds nested copies too).
    dirs: Vec<PathBuf>,
}

/// Deepest node_modules nesting walked; real trees stay far below it.
const MAX_NESTING: usize = 32;

/// Packages under `node_modules` (scoped and nested included) whose package.json has
/// `preinstall`, `install` or `postinstall`, or a binding.gyp (npm then runs
/// `node-gyp rebuild` as the implicit install script). Sorted by name, de-duplicated.
fn scripted_packages(node_modules: &Path) -> anyhow::Result<Vec<ScriptedPackage>> {
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
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found.dedup_by(|later, kept| {
        let same = later.name == kept.name;
        if same {
            kept.dirs.append(&mut later.dirs);
        }
        same
    });
    Ok(found)
}

/// `dir/<name>` and `dir/@scope/<name>` entries (symlinked workspace packages skipped).
fn package_dirs(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
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
fn read_scripts(package_dir: &Path) -> anyhow::Result<Option<ScriptedPackage>> {
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

    #[test]
    fn fetch_phase_never_runs_scripts_or_builds() {
        let none: &[OsString] = &[];
        let dir = Path::new("/nonexistent");
        let wheels = Path::new("/w");
        assert_eq!(
            fetch_step(
                Manager::Npm,
                dir,
                wheels,
                &["left-pad".into(), "--offline".into()]
            )
            .display(),
            "npm ci --ignore-scripts --offline"
        );
        assert_eq!(
            fetch_step(Manager::Cargo, dir, wheels, none).display(),
            "cargo fetch"
        );
        assert_eq!(
            fetch_step(Manager::Pip, dir, wheels, &["-r".into(), "req.txt".into()]).display(),
            "python3 -m pip download --only-binary=:all: --dest /w -r req.txt"
        );
        assert_eq!(
            fetch_step(Manager::Uv, dir, wheels, none).display(),
            "uv sync --no-install-project --no-build"
        );
    }
}
