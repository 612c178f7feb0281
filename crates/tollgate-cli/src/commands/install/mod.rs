//! `tollgate install <manager> [-- ARGS...]`: the gate, then a two-phase install. The gate
//! ([`gate`]) checks the named packages, has the manager resolve without fetching
//! or running anything, checks the resolved set and refuses (project restored) when
//! anything fails. Then the fetch phase runs the package manager with the network on and
//! every way of running third-party code switched off by its own flags, in a networked
//! sandbox of its own (pip's cannot be kept from building direct references; the others
//! read attacker-controlled files); between the two, the verdict step ([`verdict`]) judges
//! the fetched code of every package that will run some and refuses (project restored)
//! malicious, suspicious-without-an-allow (`--allow`, or the policy's `[install-scripts]`
//! allow-list) and unreadable packages; the execute phase runs
//! the install-time code (npm lifecycle scripts ([`node`]), Python builds, build scripts)
//! in the sandbox with the network off. The exact commands and the documentation they
//! were checked against are in docs/sandbox.md.

mod gate;
mod node;
mod pnpm;
mod uv;
mod verdict;
mod yarn;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use tollgate_sandbox::proxy::AllowedHost;
use tollgate_sandbox::{Cache, KernelSupport, Plan, fetch};

use tollgate_analysis::lockmap::CargoSources;
use tollgate_model::Severity;
use tollgate_registry::{ConfigInputs, RegistryConfig};

use crate::commands::db::DbLocation;
use crate::commands::run::{self, Capture, SandboxArgs};
use crate::commands::venv_guard;
use crate::exit::Status;
use gate::Outcome;

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
    /// Print the fetch-phase and execute-phase sandboxes (with the names of the variables
    /// each passes) and exit.
    #[arg(long)]
    pub explain: bool,
    /// npm/yarn/bun: never run the install scripts of PACKAGE (pnpm rebuilds every package).
    #[arg(long = "skip-scripts", value_name = "PACKAGE")]
    pub skip_scripts: Vec<String>,
    /// npm/yarn/bun: PACKAGE's install script gets the registry-only network (e.g. a
    /// prebuilt-binary downloader): through tollgate's proxy to the configured registries
    /// and the --allow-host hosts only (also on the --allow-connect ports); every other
    /// package stays offline.
    #[arg(long = "network-for", value_name = "PACKAGE")]
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
    /// Analyse every archive afresh instead of reusing the verdict kept for the same bytes
    /// (SHA-256) by this tollgate build.
    #[arg(long)]
    pub no_verdict_cache: bool,
    /// Extra arguments: package names to add and options. npm/pnpm/yarn/uv: names go to
    /// the resolve step, options (write `--opt=value`) to resolve and fetch; pip: both
    /// phases (e.g. `-r requirements.txt`); cargo: names to `cargo add`, options to the build.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<OsString>,
}

/// A command line: program and arguments.
struct Step {
    program: OsString,
    args: Vec<OsString>,
}

impl Step {
    fn new(program: impl Into<OsString>, fixed: &[&str], extra: &[OsString]) -> Step {
        let mut args: Vec<OsString> = fixed.iter().map(OsString::from).collect();
        args.extend(extra.iter().cloned());
        Step {
            program: program.into(),
            args,
        }
    }

    fn display(&self) -> String {
        let mut line = self.program.to_string_lossy().into_owned();
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
    // Network is only for the packages named by --network-for, and only through the
    // registry proxy (`fetch_hosts`, with `--allow-connect` as extra ports); the plan below
    // is offline.
    let connect_ports = std::mem::take(&mut policy.connect_ports);
    policy.allow_hosts.clear();
    let project = policy.project.clone();
    let support = KernelSupport::probe();
    let plan = Plan::new(policy.clone(), support)?;
    if args.explain {
        // Both phases: the fetch phase's environment (its manager's variables only) and
        // network differ from the execute phase's. Names only, never values.
        let fetch_plan = fetch_plan(args, &project, plan.home(), support)?;
        print!(
            "fetch phase (resolve and download):\n{}\nexecute phase (install-time code):\n{}",
            fetch_plan.explain(),
            plan.explain()
        );
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
    fetch_plan.check()?;
    let resolve_who = format!("{}'s resolve", args.manager.name());
    let runner = |program: &std::ffi::OsStr, step: &[OsString]| {
        run_in_fetch_sandbox(&fetch_plan, &resolve_who, program, step)
    };
    let gate::Passed {
        snapshot,
        policy_allow,
    } = match gate::run(args, &project, &runner)? {
        Outcome::Passed(passed) => passed,
        Outcome::Refused => return Ok(Status::Findings),
    };
    if args.manager == Manager::Uv {
        let judged = uv::judge(args, &project, &policy_allow).map(|passed| passed.then_some(()));
        if settle(judged, &snapshot, "fetched or run")?.is_none() {
            return Ok(Status::Findings);
        }
    }
    let wheels = gate::downloads_dir(&project);
    let fetch = fetch_step(args.manager, &project, &wheels, &args.args);
    crate::output::say!(
        "tollgate install: fetch (network on, third-party code off): {}",
        fetch.display()
    );
    if args.manager == Manager::Pip {
        // `.tollgate/wheels` is the pip fetch sandbox's only writable part of the project.
        std::fs::create_dir_all(&wheels)
            .with_context(|| format!("creating {}", wheels.display()))?;
    }
    let who = format!("{}'s fetch phase", args.manager.name());
    let status = run_in_fetch_sandbox(&fetch_plan, &who, &fetch.program, &fetch.args)?;
    if !status.success() {
        snapshot.restore()?;
        anyhow::bail!(
            "the fetch phase failed ({}): {status}; the project is restored",
            fetch.display()
        );
    }
    let judged = judge_fetched(args, &project, &wheels, &policy_allow);
    let Some(scripted) = settle(judged, &snapshot, "run")? else {
        return Ok(Status::Findings);
    };
    // The execute plan again, now that the fetch phase filled the caches: a plan leaves
    // out the cache paths that do not exist when it is made, and on a first install
    // (a new `CARGO_HOME`, an empty `~/.npm`) they only exist now.
    drop(plan);
    let plan = Plan::new(policy.clone(), support)?;
    plan.check()?;
    let failures = match args.manager {
        Manager::Npm | Manager::Yarn | Manager::Bun => {
            let networked = if args.network_for.is_empty() {
                None
            } else {
                let hosts = fetch_hosts(args, &project)?;
                let networked = policy.with_registry_network(&hosts, &connect_ports);
                let networked = Plan::new(networked, support)?;
                networked.check()?;
                Some(networked)
            };
            node::run_node_scripts(args, &project, &scripted, &plan, networked.as_ref())?
        }
        Manager::Pip => {
            let guard =
                venv_guard::project_venv(&project).map(|venv| venv_guard::Guard::record(&venv));
            let step = execute_step(Manager::Pip, &project, &wheels, &args.args);
            let failures = run_step(&plan, &step, "pip", "off")?;
            failures + guard.map_or(0, |guard| report_venv_changes(&guard, &project))
        }
        manager => {
            let step = execute_step(manager, &project, &wheels, &args.args);
            run_step(&plan, &step, manager.name(), "off")?
        }
    };
    Ok(if failures == 0 {
        Status::Clean
    } else {
        Status::Findings
    })
}

/// The verdict step's outcome: what passed, or (`None`, or the error) after the project
/// is restored and it is said that nothing was `not_done`.
fn settle<T>(
    verdict: anyhow::Result<Option<T>>,
    snapshot: &gate::Snapshot,
    not_done: &str,
) -> anyhow::Result<Option<T>> {
    match verdict {
        Ok(Some(passed)) => Ok(Some(passed)),
        Ok(None) => {
            snapshot.restore()?;
            eprintln!("tollgate install: nothing was {not_done}; the project is restored");
            Ok(None)
        }
        Err(error) => {
            snapshot.restore()?;
            Err(error.context(format!("the verdict step failed; nothing was {not_done}")))
        }
    }
}

/// The verdict step over what the fetch phase brought: `None` when a package is refused
/// (each refusal printed); otherwise npm/Yarn's scripted packages, for the execute phase.
fn judge_fetched(
    args: &InstallArgs,
    project: &Path,
    downloads: &Path,
    policy_allow: &verdict::PolicyAllow,
) -> anyhow::Result<Option<Vec<node::ScriptedPackage>>> {
    let mut scripted = Vec::new();
    let candidates = match args.manager {
        Manager::Npm | Manager::Yarn | Manager::Bun => {
            scripted = node::scripted_packages(&project.join("node_modules"))?;
            verdict::node_candidates(&scripted, &args.skip_scripts)
        }
        Manager::Pnpm => {
            // `pnpm rebuild` builds every package pnpm skipped, `--skip-scripts` or not,
            // so all of them are judged; the execute phase needs no list.
            let fetched = pnpm::fetched(project)?;
            let mut candidates = verdict::node_candidates(&fetched.packages, &[]);
            candidates.extend(fetched.unfound.iter().map(|key| verdict::Candidate {
                ecosystem: tollgate_model::Ecosystem::Npm,
                name: key.clone(),
                location: verdict::Location::Missing(
                    "pnpm lists it as a pending build (node_modules/.modules.yaml), but its directory is not in the project's virtual store".to_owned(),
                ),
            }));
            candidates
        }
        Manager::Pip => verdict::pip_candidates(downloads)?,
        Manager::Cargo => {
            let cargo_home = CargoSources::default_home()
                .context("neither CARGO_HOME nor HOME is set: cargo's cache cannot be found")?;
            verdict::cargo_candidates(project, &cargo_home)?
        }
        // Judged from uv.lock before the fetch (`uv::judge`).
        Manager::Uv => return Ok(Some(scripted)),
    };
    crate::output::say!(
        "tollgate install: verdict: judging the code of {} fetched package(s) before anything runs",
        candidates.len()
    );
    let judge = verdict::Judge::new(args, policy_allow);
    let passed = judge.all_pass(&candidates);
    verdict::say_reused(&judge);
    Ok(passed.then_some(scripted))
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

/// The build outputs the execute phase may write; the rest of the project is read-only, so
/// install-time code cannot plant configuration (`.npmrc`, `.cargo/config.toml`,
/// `.git/hooks`, editor tasks) for the next, unsandboxed step. pip: the project's venv; uv:
/// `None` (the whole project stays writable: `uv sync` may rewrite `uv.lock` and make `.venv`).
fn outputs_for(manager: Manager, project: &Path) -> anyhow::Result<Option<Vec<PathBuf>>> {
    Ok(match manager {
        Manager::Npm | Manager::Yarn | Manager::Pnpm | Manager::Bun => {
            Some(vec![PathBuf::from("node_modules")])
        }
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
/// no other file of `$HOME`, no other variable than the manager's. Not checked against the
/// kernel yet (`--explain` shows it either way).
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
        pass_env: args.sandbox.pass_env.clone(),
    };
    Ok(Plan::new(
        fetch::policy(args.manager, project, home, &extra),
        support,
    )?)
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
    program: &std::ffi::OsStr,
    args: &[OsString],
) -> anyhow::Result<std::process::ExitStatus> {
    let outcome = run::run_sandboxed(plan, program, args, Capture::Both)?;
    if let Some(signal) = outcome.interrupted {
        anyhow::bail!("interrupted by signal {signal}; {who} was killed");
    }
    run::report_denials(&mut std::io::stderr().lock(), who, &outcome.denials)
        .context("writing to standard error")?;
    Ok(outcome.status)
}

fn cache_for(manager: Manager) -> Cache {
    match manager {
        // The execute phase of npm, yarn and bun is `npm rebuild`: it only reads the cache.
        Manager::Npm | Manager::Yarn | Manager::Bun => Cache::NpmRebuild,
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
        Manager::Npm | Manager::Pnpm | Manager::Yarn | Manager::Bun => &[
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
            yarn::fetch_args(project),
            &yarn::fetch_extra(project, extra),
        ),
        // The hoisted linker gives npm's layout, which the verdict step walks and
        // `npm rebuild` (the execute phase) builds; Bun's isolated linker would put the
        // packages under `node_modules/.bun`, which neither reads.
        Manager::Bun => Step::new(
            "bun",
            &[
                "install",
                "--frozen-lockfile",
                "--ignore-scripts",
                "--linker=hoisted",
            ],
            &options(extra),
        ),
        Manager::Pip => {
            let mut step = Step::new(
                pip_python(project),
                &["-m", "pip", "download", "--only-binary=:all:", "--dest"],
                &[],
            );
            step.args.push(wheels.as_os_str().to_owned());
            step.args.extend(extra.iter().cloned());
            step
        }
        // `--frozen`: uv installs what uv.lock says, which the verdict step judged, and
        // verifies the lock's hashes; it does not lock again.
        Manager::Uv => Step::new(
            "uv",
            &["sync", "--frozen", "--no-install-project", "--no-build"],
            &options(extra),
        ),
        Manager::Cargo if project.join("Cargo.lock").is_file() => {
            Step::new("cargo", &["fetch", "--locked"], &[])
        }
        Manager::Cargo => Step::new("cargo", &["fetch"], &[]),
    }
}

/// The interpreter pip runs as: the project venv's own (`.venv/bin/python3`, or the
/// active `VIRTUAL_ENV` when it is inside the project) when that venv has pip, so that pip
/// resolves for, downloads for and installs into the environment the project uses whether
/// or not it is activated (the execute sandbox can write only there); else `python3` from
/// `PATH`.
pub(super) fn pip_python(project: &Path) -> OsString {
    venv_guard::project_venv(project)
        .filter(|venv| venv.join("bin").join("pip").exists())
        .map(|venv| venv.join("bin").join("python3"))
        .filter(|python| python.exists())
        .map_or_else(|| OsString::from("python3"), PathBuf::into_os_string)
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
fn execute_step(manager: Manager, project: &Path, wheels: &Path, extra: &[OsString]) -> Step {
    match manager {
        // pnpm >= 10 skips every build script not approved in the project's settings
        // (`onlyBuiltDependencies`); the gate has judged them and the sandbox confines
        // them, as `npm rebuild` does for npm. pnpm >= 12 also re-verifies the lockfile
        // against its supply-chain policies over the network before rebuilding, which in
        // this offline sandbox retries for minutes and fails; `trust-lockfile` skips that
        // pass (tollgate checked the lockfile before the fetch). Older pnpm ignores both.
        Manager::Pnpm => Step::new(
            "pnpm",
            &[
                "rebuild",
                "--config.dangerously-allow-all-builds=true",
                "--config.trust-lockfile=true",
            ],
            &[],
        ),
        Manager::Pip => {
            let mut step = Step::new(
                pip_python(project),
                &["-m", "pip", "install", "--no-index", "--find-links"],
                &[],
            );
            step.args.push(wheels.as_os_str().to_owned());
            step.args.extend(extra.iter().cloned());
            step
        }
        Manager::Uv => Step::new("uv", &["sync", "--offline", "--frozen"], &options(extra)),
        Manager::Npm | Manager::Yarn | Manager::Bun => {
            Step::new("npm", &["rebuild", "--foreground-scripts"], &[])
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A project venv that is not activated is still the one pip works for; one without
    /// pip (uv makes those) falls back to `python3` from PATH.
    #[test]
    fn pip_runs_as_the_project_venv_interpreter() {
        let project = tempfile::tempdir().expect("temp dir");
        assert_eq!(pip_python(project.path()), OsString::from("python3"));
        let bin = project.path().join(".venv").join("bin");
        std::fs::create_dir_all(&bin).expect("venv bin");
        std::fs::write(
            project.path().join(".venv").join("pyvenv.cfg"),
            "home = /usr/bin\n",
        )
        .expect("pyvenv.cfg");
        std::fs::write(bin.join("python3"), "").expect("python3");
        assert_eq!(pip_python(project.path()), OsString::from("python3"));
        std::fs::write(bin.join("pip"), "").expect("pip");
        assert_eq!(
            pip_python(project.path()),
            bin.join("python3").into_os_string()
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
            "uv sync --frozen --no-install-project --no-build"
        );
        assert_eq!(
            fetch_step(Manager::Bun, dir, wheels, &["left-pad".into()]).display(),
            "bun install --frozen-lockfile --ignore-scripts --linker=hoisted"
        );
    }
}
