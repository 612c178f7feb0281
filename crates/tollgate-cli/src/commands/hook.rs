//! `tollgate hook`: a coding agent's pre-tool hook. Reads the agent's proposed tool call as
//! JSON on standard input (Claude Code's `PreToolUse` payload: `tool_name`, and for the
//! `Bash` tool `tool_input.command`), finds the packages its install commands name
//! (`pip install X`, `uv add X`, `npm i X`, `cargo add X`, ...: `tollgate_gate::command`),
//! and checks each with `tollgate-gate`'s [`Checker`], as `tollgate check` does. When one fails, the call is blocked:
//! exit 2, with the reasons on standard error (which Claude Code shows the agent). A call
//! with no install passes (exit 0) without loading anything.
//!
//! It fails closed: a payload it cannot read, or a check it cannot make (no advisory index,
//! no registry metadata, without `--allow-missing-db`), blocks as well, since an agent
//! hook that errors any other way lets the command run.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

use tollgate_advisory::Index;
use tollgate_gate::{Checker, command};

use crate::commands::db::DbLocation;
use crate::commands::policy::load_config;
use crate::exit::Status;
use crate::registry::RegistryMetadata;
use tollgate_model::escape_text as escape;

/// `tollgate hook` (and `tollgate mcp`, whose tool calls take the same flags).
#[derive(Debug, Args)]
pub struct HookArgs {
    /// The policy file (default: `tollgate.toml` in the current directory).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Do not ask the registry: answer from the cache and the advisory index only.
    #[arg(long)]
    pub offline: bool,
    /// The advisory index.
    #[command(flatten)]
    pub location: DbLocation,
    /// Check even without an advisory index or registry metadata; without it, either
    /// missing fails closed (the hook blocks the install, an MCP tool call is an error).
    #[arg(long)]
    pub allow_missing_db: bool,
}

/// The part of a pre-tool payload the hook reads.
#[derive(Debug, Deserialize)]
struct Payload {
    #[serde(default)]
    tool_name: Option<String>,
    #[serde(default)]
    tool_input: Option<ToolInput>,
}

#[derive(Debug, Deserialize)]
struct ToolInput {
    #[serde(default)]
    command: Option<String>,
}

/// Reads the payload, checks what it would install, and says whether it may run.
pub fn run(args: &HookArgs) -> anyhow::Result<Status> {
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("reading the hook payload from standard input")?;
    let payload: Payload = serde_json::from_str(&input)
        .context("the hook payload on standard input is not a pre-tool JSON object")?;
    let command = match (&payload.tool_name, payload.tool_input) {
        (
            Some(tool),
            Some(ToolInput {
                command: Some(command),
            }),
        ) if is_shell(tool) => command,
        _ => return Ok(Status::Clean),
    };
    let installs = command::installs(&command);
    if installs.is_empty() {
        return Ok(Status::Clean);
    }
    let refusals = refusals(args, &installs)?;
    if refusals.is_empty() {
        return Ok(Status::Clean);
    }
    eprintln!("tollgate blocked this command: a package it installs failed the gate.");
    for refusal in &refusals {
        eprintln!("- {refusal}");
    }
    eprintln!(
        "Check the name (`tollgate check ECOSYSTEM NAME` says more); if the package really is \
         the one wanted, a person can allow it in tollgate.toml."
    );
    Ok(Status::Error)
}

/// Each failing package of `installs`, as one line (escaped); an error when a check
/// cannot be made (which callers treat as a block).
pub fn refusals(args: &HookArgs, installs: &[command::Install]) -> anyhow::Result<Vec<String>> {
    let blocked = "tollgate cannot check this install, so it is blocked";
    let config = load_config(args.config.as_deref(), std::path::Path::new(".")).context(blocked)?;
    let metadata = RegistryMetadata::from_process(args.offline).context(blocked)?;
    let index = Index::open(&args.location.dir().context(blocked)?);
    let checker = Checker::new(config, &metadata, index, args.allow_missing_db).context(blocked)?;
    let mut refusals = Vec::new();
    for install in installs {
        let report = checker
            .check(install.ecosystem, &install.spec)
            .with_context(|| {
                format!(
                    "tollgate cannot check {} {}, so the install is blocked",
                    install.ecosystem, install.spec
                )
            })?;
        for finding in &report.findings {
            refusals.push(format!(
                "{} {}: {} [{}]",
                install.ecosystem,
                escape(&install.spec),
                escape(&finding.summary),
                finding.code
            ));
        }
    }
    Ok(refusals)
}

/// The tools whose input is a shell command (Claude Code's `Bash`; other agents' names).
fn is_shell(tool: &str) -> bool {
    matches!(
        tool,
        "Bash" | "bash" | "shell" | "Shell" | "run_shell_command" | "execute_command"
    )
}
