//! The command-line interface: the list of subcommands. Each subcommand's flags live
//! beside its implementation in `commands/`.

use clap::{Parser, Subcommand};

use crate::commands;

/// tollgate stops hostile dependencies before they run: it inventories npm, PyPI and
/// crates.io lockfiles, matches them against advisories, maps install-time code, enforces
/// a policy, and sandboxes installs.
#[derive(Debug, Parser)]
#[command(name = "tollgate", version, about, long_about = None)]
pub struct Cli {
    /// Print only the report and errors: no notes, warnings or progress on standard error.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Also say on standard error what tollgate is doing (the hosts downloads may come
    /// from, how long each stage took).
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// tollgate's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the lockfiles under PATH: known vulnerabilities and malicious packages (offline,
    /// against the local OSV index), the tollgate.toml policy, and with --deep what the
    /// install-time code of each dependency does.
    Scan(commands::scan::ScanArgs),
    /// What a change to the lockfiles changes (git revisions BASE and HEAD, or two lockfile
    /// paths): added, removed, upgraded, downgraded and re-sourced packages, and the
    /// findings each change brings or resolves; exit 1 on a new finding at --fail-on.
    Diff(commands::diff::DiffArgs),
    /// Manage the offline advisory index (import, update, status).
    Db(commands::db::DbArgs),
    /// List every package locked by the lockfiles under PATH (default: the current directory).
    Inventory(commands::inventory::InventoryArgs),
    /// Run a command in the sandbox: no secrets, no network, writes only to the project.
    Run(commands::run::RunArgs),
    /// Install dependencies in two phases: fetch (network, no third-party code), then run
    /// install-time code in the sandbox (no network, no secrets).
    Install(commands::install::InstallArgs),
    /// Show the install-time hooks of one package (archive, directory, purl or
    /// NAME@VERSION) and what their code does: network, credentials, exec, obfuscation.
    Inspect(commands::inspect::InspectArgs),
    /// Which locked packages run code when installed or built (npm scripts, node-gyp, sdist
    /// builds, build.rs, proc-macros), from the lockfiles alone, with evidence.
    InstallCode(commands::install_code::InstallCodeArgs),
    /// Write a commented starter tollgate.toml (refuses to overwrite without --force).
    Init(commands::init::InitArgs),
    /// Before adding a dependency: is it a likely typosquat, banned, too new? (exit 1 if so)
    Check(commands::check::CheckArgs),
    /// A coding agent's pre-tool hook: reads the proposed call as JSON on stdin (Claude
    /// Code's PreToolUse) and blocks (exit 2, reasons on stderr) installs of packages that
    /// fail `check`.
    Hook(commands::hook::HookArgs),
    /// Wrappers for npm, npx, pnpm, pnpx, yarn, bun, bunx, pip, pip3, uv, uvx and cargo that
    /// send installs through the gate and pass everything else to the real program.
    Shim(commands::shim::ShimArgs),
    /// A Model Context Protocol server on stdio for coding agents: tools check_package,
    /// scan_project and install (the gate).
    Mcp(commands::mcp::McpArgs),
    /// Validate tollgate.toml and run the policy checks (bans, sources, hashes,
    /// install-scripts, licenses, cooldown, names) on the lockfiles under PATH.
    Policy(commands::policy::PolicyArgs),
    /// Check the lockfiles under PATH against the audit records of a cargo-vet store
    /// (supply-chain/), for crates.io, npm and PyPI; import and fetch peers' audits.
    #[command(alias = "vet")]
    Trust(commands::trust::TrustArgs),
}
