//! `tollgate run [options] -- COMMAND...`: runs a command in the sandbox (see
//! docs/sandbox.md) and reports what was denied to it: the registry proxy's refusals, and
//! what the kernel refused as far as the command's own error output tells (`--format json`
//! for a machine-readable account). Also home of the helpers `tollgate install` shares:
//! building a policy from the command line and running a sandboxed command while capturing
//! its output.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use anyhow::Context;
use clap::{Args, ValueEnum};
use tollgate_sandbox::denials::Denial;
use tollgate_sandbox::interrupt::Interrupts;
use tollgate_sandbox::proxy::AllowedHost;
use tollgate_sandbox::{Cache, KernelSupport, Plan, Policy};

use crate::exit::Status;

/// Package-manager caches that may be made writable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CacheArg {
    /// ~/.npm and ~/.cache/node-gyp.
    Npm,
    /// $CARGO_HOME/registry, git and lock files.
    Cargo,
    /// ~/.cache/pip.
    Pip,
    /// ~/.cache/uv.
    Uv,
}

impl From<CacheArg> for Cache {
    fn from(cache: CacheArg) -> Cache {
        match cache {
            CacheArg::Npm => Cache::Npm,
            CacheArg::Cargo => Cache::Cargo,
            CacheArg::Pip => Cache::Pip,
            CacheArg::Uv => Cache::Uv,
        }
    }
}

/// Options shared by `tollgate run` and `tollgate install`: what the sandbox allows.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Project directory: read-write and the working directory (default: current directory).
    #[arg(long, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Also allow reading (and executing) PATH.
    #[arg(long = "allow-read", value_name = "PATH")]
    pub allow_read: Vec<PathBuf>,
    /// Also allow reading and writing PATH.
    #[arg(long = "allow-write", value_name = "PATH")]
    pub allow_write: Vec<PathBuf>,
    /// Allow TCP connections to PORT on any host (Landlock). Replaces the empty network
    /// namespace, so UDP and DNS become reachable too; --explain says so. For `install`:
    /// an extra port on which --network-for packages reach the allowed hosts, through the
    /// proxy only (no host beyond those).
    #[arg(long = "allow-connect", value_name = "PORT")]
    pub allow_connect: Vec<u16>,
    /// Allow HOST (ports 443 and 80) or HOST:PORT, by name, through tollgate's proxy: the
    /// command gets a network namespace whose only way out is the proxy (HTTPS_PROXY and
    /// friends are set), so no other host, no IP address, no UDP or DNS. For `install`:
    /// a host the fetch phase may reach besides the configured registries.
    #[arg(long = "allow-host", value_name = "HOST[:PORT]")]
    pub allow_host: Vec<String>,
    /// Pass the environment variable NAME through (everything off the allow-list is removed).
    #[arg(long = "pass-env", value_name = "NAME")]
    pub pass_env: Vec<OsString>,
    /// Make a package-manager cache writable (default: guessed from the command name).
    #[arg(long, value_enum, value_name = "CACHE")]
    pub cache: Vec<CacheArg>,
    /// Run even if the kernel cannot enforce every protection (each gap is printed).
    #[arg(long)]
    pub allow_weaker: bool,
    /// Make the project read-only except PATH (a build output, relative to the project;
    /// repeatable), so the command cannot plant files for the next step.
    #[arg(long = "output", value_name = "PATH")]
    pub output: Vec<PathBuf>,
}

impl SandboxArgs {
    /// The policy these options describe for `program`.
    pub fn policy(&self, program: Option<&Path>) -> anyhow::Result<Policy> {
        let project = match &self.project {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
        let project = project
            .canonicalize()
            .with_context(|| format!("project directory {}", project.display()))?;
        let home = std::env::var_os("HOME")
            .map(PathBuf::from)
            .context("HOME is not set: tollgate needs it to locate toolchains and caches")?;
        let mut policy = Policy::new(project, home);
        policy.read_only = self.allow_read.clone();
        policy.read_write = self.allow_write.clone();
        policy.connect_ports = self.allow_connect.clone();
        policy.allow_hosts = self.allowed_hosts()?;
        policy.pass_env = self.pass_env.clone();
        policy.caches = self.cache.iter().map(|&cache| cache.into()).collect();
        if let Some(cache) = program.and_then(Cache::for_program) {
            if !policy.caches.contains(&cache) {
                policy.caches.push(cache);
            }
        }
        policy.allow_weaker = self.allow_weaker;
        if !self.output.is_empty() {
            policy.outputs = Some(self.output.clone());
        }
        Ok(policy)
    }

    /// The `--allow-host` values, parsed.
    pub fn allowed_hosts(&self) -> anyhow::Result<Vec<AllowedHost>> {
        let mut hosts = Vec::new();
        for spec in &self.allow_host {
            let parsed = AllowedHost::parse(spec).with_context(|| {
                format!(
                    "--allow-host {}: expected a host name or address, optionally with :PORT",
                    spec.escape_debug()
                )
            })?;
            hosts.extend(parsed);
        }
        Ok(hosts)
    }
}

/// Output format of `tollgate run`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RunFormat {
    /// The command's output as it comes, then the denials on standard error.
    Text,
    /// The command's output (both streams) on standard error, and on standard output one
    /// JSON object: exit code, denials, network and weaknesses.
    Json,
}

/// `tollgate run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Print exactly what the sandbox enforces on this kernel, and exit.
    #[arg(long)]
    pub explain: bool,
    /// Output format (json: the command's standard output goes to standard error, and
    /// standard output carries only the JSON report).
    #[arg(long, value_enum, default_value_t = RunFormat::Text)]
    pub format: RunFormat,
    /// What the sandbox allows.
    #[command(flatten)]
    pub sandbox: SandboxArgs,
    /// The command to run, after `--`.
    #[arg(
        last = true,
        value_name = "COMMAND",
        required_unless_present = "explain"
    )]
    pub command: Vec<OsString>,
}

/// Runs the command in the sandbox. The exit status is the command's own (128 + signal
/// when it was killed); 2 when the sandbox could not be set up.
pub fn run(args: &RunArgs) -> anyhow::Result<Status> {
    let program = args.command.first().map(PathBuf::from);
    if !args.sandbox.allow_host.is_empty() && !args.sandbox.allow_connect.is_empty() {
        // The proxy's namespace has no other way out: the ports would silently not apply.
        anyhow::bail!(
            "--allow-host and --allow-connect cannot be combined for `tollgate run` (with --allow-host the only network is the proxy)"
        );
    }
    let policy = args.sandbox.policy(program.as_deref())?;
    let plan = Plan::new(policy, KernelSupport::probe())?;
    if args.explain {
        print!("{}", plan.explain());
        return Ok(Status::Clean);
    }
    plan.check()?;
    let Some((program, rest)) = args.command.split_first() else {
        anyhow::bail!("no command given after `--`");
    };
    let capture = match args.format {
        RunFormat::Text => Capture::Stderr,
        RunFormat::Json => Capture::BothToStderr,
    };
    let outcome = run_sandboxed(&plan, program, rest, capture)?;
    if let Some(signal) = outcome.interrupted {
        eprintln!("tollgate: interrupted by signal {signal}; the sandboxed command was killed");
        drop(plan);
        std::process::exit(128 + signal);
    }
    report_denials(
        &mut std::io::stderr().lock(),
        "the command",
        &outcome.denials,
    )
    .context("writing to standard error")?;
    let code = exit_code(outcome.status);
    if args.format == RunFormat::Json {
        let report = json_report(&plan, code, &outcome.denials);
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &report).context("writing the JSON report")?;
        writeln!(out).context("writing the JSON report")?;
    }
    drop(plan);
    if code == 0 {
        Ok(Status::Clean)
    } else {
        // The command's own status is the most useful one to pass on (like `env` or `timeout`).
        std::process::exit(code)
    }
}

/// Which of the command's output streams are read for denials (and echoed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// Only standard error; standard output goes straight through.
    Stderr,
    /// Both streams (package managers print script errors on either).
    Both,
    /// Both streams, both echoed on standard error (standard output is tollgate's own).
    BothToStderr,
}

/// How a sandboxed command ended and what it reported as denied.
#[derive(Debug)]
pub struct Outcome {
    /// Its exit status.
    pub status: ExitStatus,
    /// Denials found in its output.
    pub denials: Vec<Denial>,
    /// The signal (SIGINT, SIGTERM, SIGHUP) that made tollgate kill the command, if any.
    pub interrupted: Option<i32>,
}

/// At most this much of each stream is kept for scanning (all of it is echoed).
const CAPTURE_LIMIT: usize = 4 << 20;

/// Runs `program args` in `plan`'s sandbox, echoing its output and scanning it for denials.
pub fn run_sandboxed(
    plan: &Plan,
    program: &OsStr,
    args: &[OsString],
    capture: Capture,
) -> anyhow::Result<Outcome> {
    // Before any thread starts, so that every thread inherits the blocked signals.
    let interrupts = Interrupts::install().context("setting up signal handling")?;
    let mut command = plan.command(program, args)?;
    // Standard input stays /dev/null (set by the plan): install-time code gets no terminal.
    command.stderr(Stdio::piped());
    if capture != Capture::Stderr {
        command.stdout(Stdio::piped());
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {} in the sandbox", program.to_string_lossy()))?;
    interrupts.watch(child.id());
    plan.started();
    let stderr = child
        .stderr
        .take()
        .map(|pipe| std::thread::spawn(move || tee(pipe, &mut std::io::stderr())));
    let stdout = child.stdout.take().map(|pipe| {
        std::thread::spawn(move || {
            if capture == Capture::BothToStderr {
                tee(pipe, &mut std::io::stderr())
            } else {
                tee(pipe, &mut std::io::stdout())
            }
        })
    });
    let status = child.wait();
    interrupts.unwatch();
    let status = status.context("waiting for the sandboxed command")?;
    let mut text = String::new();
    for handle in [stdout, stderr].into_iter().flatten() {
        let captured = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the output reader thread panicked"))?;
        text.push_str(&String::from_utf8_lossy(&captured));
    }
    Ok(Outcome {
        status,
        denials: plan.denials(&text),
        interrupted: interrupts.received(),
    })
}

/// Copies `source` to `sink` and returns the first [`CAPTURE_LIMIT`] bytes.
fn tee(mut source: impl Read, sink: &mut impl Write) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match source.read(&mut buffer) {
            Ok(0) => break,
            Ok(read) => {
                let chunk = &buffer[..read];
                // Echo failures (closed terminal) must not stop the command's output drain.
                let _ = sink.write_all(chunk).and_then(|()| sink.flush());
                let room = CAPTURE_LIMIT.saturating_sub(kept.len());
                kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
            }
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    kept
}

/// Prints "`who` tried to ..." for each denial (targets and lines come from the sandboxed
/// program, so they are escaped).
pub fn report_denials(out: &mut impl Write, who: &str, denials: &[Denial]) -> std::io::Result<()> {
    if denials.is_empty() {
        return Ok(());
    }
    let source = sources(denials);
    writeln!(out, "tollgate: the sandbox denied {who} ({source}):")?;
    for denial in denials {
        let line = format!("{who} {denial}");
        writeln!(out, "  {}", tollgate_model::escape_text(&line))?;
    }
    Ok(())
}

/// Who saw the denials: tollgate's registry proxy and seccomp listener record theirs, the
/// others are read from the command's own error output.
fn sources(denials: &[Denial]) -> String {
    let has = |source: &str| denials.iter().any(|denial| denial.kind.source() == source);
    let recorders: Vec<&str> = [
        ("proxy", "tollgate's registry proxy"),
        ("seccomp", "the seccomp filter"),
    ]
    .into_iter()
    .filter(|(source, _)| has(source))
    .map(|(_, name)| name)
    .collect();
    let output = "as reported in its own error output";
    match (recorders.is_empty(), has("output")) {
        (true, _) => output.to_owned(),
        (false, false) => format!("refused by {}", recorders.join(" and ")),
        (false, true) => format!("by {} and {output}", recorders.join(" and ")),
    }
}

/// The hosts of every registry in `registries` and of the public registries (npm, Yarn's
/// mirror, PyPI's index and files, crates.io's index and downloads): what a package
/// manager's fetch may reach through the registry proxy.
pub fn registry_hosts(registries: &tollgate_registry::RegistryConfig) -> Vec<AllowedHost> {
    use tollgate_model::defaults;
    let configured = [
        &registries.npm,
        &registries.pip_index,
        &registries.uv_index,
        &registries.cargo_index,
    ]
    .into_iter()
    .chain(registries.npm_scopes.values())
    .map(|address| address.url.as_str());
    let public = [
        defaults::NPM_REGISTRY,
        defaults::YARN_REGISTRY,
        defaults::PYPI_SIMPLE_INDEX,
        defaults::PYPI_FILES,
        defaults::CRATES_IO_SPARSE_INDEX,
        defaults::CRATES_IO_DOWNLOAD,
    ];
    let mut hosts: Vec<AllowedHost> = configured
        .chain(public)
        .filter_map(AllowedHost::from_url)
        .collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// `tollgate run --format json`: the exit code, every denial, and the sandbox's network
/// and weaknesses (see docs/json.md).
fn json_report(plan: &Plan, exit_code: i32, denials: &[Denial]) -> serde_json::Value {
    let denials: Vec<serde_json::Value> = denials
        .iter()
        .map(|denial| {
            serde_json::json!({
                "kind": denial.kind.as_str(),
                "target": denial.target,
                "why": denial.why.clone().unwrap_or_else(|| {
                    format!("reported in the command's error output: {}", denial.line)
                }),
                "source": denial.kind.source(),
                "program": denial.program,
            })
        })
        .collect();
    let hosts: Vec<String> = plan
        .allowed_hosts()
        .iter()
        .map(ToString::to_string)
        .collect();
    serde_json::json!({
        "exit_code": exit_code,
        "denials": denials,
        "view": {
            "network": plan.describe_network(),
            "allowed_hosts": hosts,
            "weaknesses": plan.weaknesses().iter().map(ToString::to_string).collect::<Vec<_>>(),
        },
    })
}

/// The shell convention: the exit code, or 128 + the signal number.
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_sandbox::denials::DenialKind;

    fn denial(kind: DenialKind) -> Denial {
        Denial {
            kind,
            target: Some("x".into()),
            line: "x".into(),
            why: (kind != DenialKind::File).then(|| "why".into()),
            program: None,
        }
    }

    #[test]
    fn the_report_header_names_who_saw_the_denials() {
        let file = denial(DenialKind::File);
        let host = denial(DenialKind::Host);
        let syscall = denial(DenialKind::Syscall);
        let cases: [(&[Denial], &str); 5] = [
            (
                std::slice::from_ref(&file),
                "as reported in its own error output",
            ),
            (
                std::slice::from_ref(&host),
                "refused by tollgate's registry proxy",
            ),
            (
                std::slice::from_ref(&syscall),
                "refused by the seccomp filter",
            ),
            (
                &[host.clone(), file.clone()],
                "by tollgate's registry proxy and as reported in its own error output",
            ),
            (
                &[syscall.clone(), host.clone(), file.clone()],
                "by tollgate's registry proxy and the seccomp filter and as reported in its own error output",
            ),
        ];
        for (denials, expected) in cases {
            assert_eq!(sources(denials), expected);
        }
    }
}
