//! `tollgate install-code`: the install-time code map from the lockfiles alone (fast,
//! offline). Every package is `runs-code` (with the kind: npm script, node-gyp, sdist build,
//! build.rs, proc-macro), `no-code` or `unknown`, with the evidence; a package the project's
//! own package-manager settings keep from running is shown as blocked.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::exit::Status;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    /// One table per lockfile, then totals per ecosystem.
    Table,
    /// JSON: one map per lockfile with every package's state and evidence.
    Json,
}

/// `tollgate install-code`.
#[derive(Debug, Args)]
pub struct InstallCodeArgs {
    /// Lockfiles or directories to map; directories are walked (honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = MapFormat::Table)]
    pub format: MapFormat,
}

/// Maps the inventory and prints it. Exit 2 when a lockfile could not be read.
pub fn run(args: &InstallCodeArgs) -> anyhow::Result<Status> {
    let inventory = tollgate_lockfile::inventory(&args.paths);
    let cargo_home = tollgate_analysis::lockmap::CargoSources::default_home();
    let maps = tollgate_analysis::lockmap::map_inventory(&inventory, cargo_home.as_deref());
    let stdout = std::io::stdout();
    let mut out = tollgate_report::SafeLines::new(std::io::BufWriter::new(stdout.lock()));
    match args.format {
        MapFormat::Table => tollgate_report::install::write_lock_map_table(&mut out, &maps),
        MapFormat::Json => tollgate_report::install::write_lock_map_json(&mut out, &maps),
    }
    .and_then(|()| out.flush())
    .context("writing the install-code map to standard output")?;
    for error in &inventory.errors {
        eprintln!("error: {error}");
    }
    Ok(if inventory.errors.is_empty() {
        Status::Clean
    } else {
        Status::Error
    })
}
