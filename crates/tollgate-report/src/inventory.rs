//! Inventory output: `tollgate inventory --format table|json`.

use std::io::{self, Write};

use tollgate_lockfile::Inventory;
use tollgate_model::Source;

use crate::table::write_table;

/// The JSON document described in `docs/json.md`: `{ "lockfiles": [...], "errors": [...] }`.
pub fn write_json<W: Write>(out: &mut W, inventory: &Inventory) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, inventory)?;
    writeln!(out)
}

/// A table of every package, one row each, then one line per lockfile and per error.
pub fn write_table_report<W: Write>(out: &mut W, inventory: &Inventory) -> io::Result<()> {
    for lockfile in &inventory.lockfiles {
        writeln!(
            out,
            "{} ({}, {})",
            lockfile.path,
            lockfile.format,
            crate::count(lockfile.packages.len(), "package")
        )?;
        let rows: Vec<Vec<String>> = lockfile
            .packages
            .iter()
            .map(|p| {
                vec![
                    format!("  {}", p.name),
                    p.version.clone(),
                    source_label(&p.source),
                    p.line.map(|l| l.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        if !rows.is_empty() {
            write_table(out, &["  name", "version", "source", "line"], &rows)?;
        }
        for warning in &lockfile.warnings {
            writeln!(out, "  warning: {warning}")?;
        }
    }
    for error in &inventory.errors {
        writeln!(out, "error: {error}")?;
    }
    writeln!(
        out,
        "{}, {}, {}",
        crate::count(inventory.lockfiles.len(), "lockfile"),
        crate::count(inventory.package_count(), "package"),
        crate::count(inventory.errors.len(), "error")
    )
}

fn source_label(source: &Source) -> String {
    match source {
        Source::Registry { url: None } => "registry".to_owned(),
        Source::Registry { url: Some(url) } => format!("registry {url}"),
        Source::Git { url, commit, .. } => match commit {
            Some(commit) => format!("git {url}#{commit}"),
            None => format!("git {url} (no commit pinned)"),
        },
        Source::Path { path, local_kind } => format!("{local_kind} {path}"),
        Source::Url { url } => format!("url {url}"),
        Source::Unknown => "unknown".to_owned(),
    }
}
