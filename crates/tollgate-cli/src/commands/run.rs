//! `tollgate run [options] -- COMMAND...`: runs a command in the sandbox (see
//! docs/sandbox.md) and reports what the kernel denied it, as far as its own error output
//! tells. Also home of the helpers `tollgate install` shares: building a policy from the
//! command line and running a sandboxed command while capturing its output.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};

use anyhow::Context;
use clap::{Args, ValueEnum};
use tollgate_sandbox::denials::Denial;
use tollgate_sandbox::interrupt::Interrupts;
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
    /// namespace, so UDP and DNS become reachable too; --explain says so.
    #[arg(long = "allow-connect", value_name = "PORT")]
    pub allow_connect: Vec<u16>,
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
}

/// `tollgate run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Print exactly what the sandbox enforces on this kernel, and exit.
    #[arg(long)]
    pub explain: bool,
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
    let outcome = run_sandboxed(&plan, program, rest, Capture::Stderr)?;
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
    if capture == Capture::Both {
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
    let stdout = child
        .stdout
        .take()
        .map(|pipe| std::thread::spawn(move || tee(pipe, &mut std::io::stdout())));
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

/// Prints "`who` tried to ..." for each denial.
pub fn report_denials(out: &mut impl Write, who: &str, denials: &[Denial]) -> std::io::Result<()> {
    if denials.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "tollgate: the sandbox denied {who} (as reported in its own error output):"
    )?;
    for denial in denials {
        writeln!(out, "  {who} {denial}")?;
    }
    Ok(())
}

/// The shell convention: the exit code, or 128 + the signal number.
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1)
}
