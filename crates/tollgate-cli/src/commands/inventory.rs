//! `tollgate inventory`: discover and parse lockfiles, print what they lock.

use std::io::Write;

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::exit::Status;

/// Output formats for the inventory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InventoryFormat {
    /// One aligned table per lockfile.
    Table,
    /// The JSON document described in docs/json.md.
    Json,
}

/// `tollgate inventory`.
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// Lockfiles or directories to scan; directories are walked (honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = InventoryFormat::Table)]
    pub format: InventoryFormat,
}

/// Runs the inventory and prints it. Exit status 2 when any file could not be parsed
/// (the others are still printed).
pub fn run(args: &InventoryArgs) -> anyhow::Result<Status> {
    let inventory = tollgate_lockfile::inventory(&args.paths);
    let stdout = std::io::stdout();
    let mut out = tollgate_report::SafeLines::new(stdout.lock());
    match args.format {
        InventoryFormat::Json => tollgate_report::inventory::write_json(&mut out, &inventory),
        InventoryFormat::Table => {
            tollgate_report::inventory::write_table_report(&mut out, &inventory)
        }
    }
    .and_then(|()| out.flush())
    .context("writing the inventory to standard output")?;
    if inventory.errors.is_empty() {
        Ok(Status::Clean)
    } else {
        Ok(Status::Error)
    }
}
