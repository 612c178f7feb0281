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
    /// The subcommand to run.
    #[command(subcommand)]
    pub command: Command,
}

/// tollgate's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the lockfiles under PATH for known vulnerabilities and malicious packages,
    /// offline, against the local OSV advisory index.
    Scan(commands::scan::ScanArgs),
    /// Manage the offline advisory index (import, update, status).
    Db(commands::db::DbArgs),
    /// List every package locked by the lockfiles under PATH (default: the current directory).
    Inventory(commands::inventory::InventoryArgs),
    /// Run a command in the sandbox: no secrets, no network, writes only to the project.
    Run(commands::run::RunArgs),
    /// Install dependencies in two phases: fetch (network, no third-party code), then run
    /// install-time code in the sandbox (no network, no secrets).
    Install(commands::install::InstallArgs),
}
