//! `tollgate init`: write a commented starter `tollgate.toml`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;

use crate::exit::Status;

/// `tollgate init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The directory to write `tollgate.toml` in (the repository root).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Overwrite an existing `tollgate.toml`.
    #[arg(long)]
    pub force: bool,
}

/// Writes the starter policy; refuses to replace an existing one without `--force`.
pub fn run(args: &InitArgs) -> anyhow::Result<Status> {
    let path = args.dir.join(tollgate_policy::config::FILE_NAME);
    if path.exists() && !args.force {
        bail!(
            "{} already exists; pass --force to overwrite it",
            path.display()
        );
    }
    std::fs::write(&path, tollgate_policy::config::STARTER)
        .with_context(|| format!("writing {}", path.display()))?;
    println!(
        "wrote {}: edit it, then run `tollgate policy` (docs/checks.md explains every key)",
        path.display()
    );
    Ok(Status::Clean)
}
