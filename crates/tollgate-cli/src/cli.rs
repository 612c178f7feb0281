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
    /// List every package locked by the lockfiles under PATH (default: the current directory).
    Inventory(commands::inventory::InventoryArgs),
}
