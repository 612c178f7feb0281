//! `tollgate db`: build, refresh and inspect the offline advisory index.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use tollgate_advisory::{ExportStatus, ImportReport, Index, IndexHeader, Previous};
use tollgate_model::Ecosystem;

use crate::exit::Status;

/// `tollgate db`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// What to do with the database.
    #[command(subcommand)]
    pub command: DbCommand,
}

/// The database subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Build the index from OSV records: JSON or YAML files, directories of them, and
    /// zip files laid out like OSV's `all.zip` exports. Replaces the ecosystems and
    /// sources imported and keeps the rest of the current index (--replace: start over).
    /// An import with no valid record fails and leaves the index unchanged.
    Import(ImportArgs),
    /// Download the OSV exports of the ecosystems and re-import those that changed.
    Update(UpdateArgs),
    /// Show what the index holds and how old it is.
    Status(StatusArgs),
}

/// Where the database lives (shared by every `db` subcommand and by `scan`).
#[derive(Debug, Clone, Args)]
pub struct DbLocation {
    /// Database directory [default: $TOLLGATE_DB, else the platform cache directory,
    /// e.g. ~/.cache/tollgate/db].
    #[arg(long, value_name = "DIR")]
    pub db: Option<PathBuf>,
}

impl DbLocation {
    /// The resolved directory.
    pub fn dir(&self) -> anyhow::Result<PathBuf> {
        Ok(tollgate_advisory::resolve_db_dir(self.db.clone())?)
    }
}

/// `tollgate db import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// OSV files, directories or `all.zip` exports.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Start over: the new index holds only these files' records.
    #[arg(long)]
    pub replace: bool,
    /// The database location.
    #[command(flatten)]
    pub location: DbLocation,
}

/// `tollgate db update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// Ecosystems to download (npm, PyPI, crates.io); repeat the flag for several
    /// [default: all three].
    #[arg(long = "ecosystem", value_name = "ECOSYSTEM")]
    pub ecosystems: Vec<Ecosystem>,
    /// Base address of the exports; `{base}{ecosystem}/all.zip` is downloaded
    /// [default: the public OSV export].
    #[arg(long = "url", value_name = "BASE")]
    pub url: Option<String>,
    /// The database location.
    #[command(flatten)]
    pub location: DbLocation,
}

/// Output formats for `db status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// Human-readable lines.
    Table,
    /// A JSON object.
    Json,
}

/// `tollgate db status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Table)]
    pub format: StatusFormat,
    /// The database location.
    #[command(flatten)]
    pub location: DbLocation,
}

/// Runs a `db` subcommand.
pub fn run(args: &DbArgs) -> anyhow::Result<Status> {
    match &args.command {
        DbCommand::Import(args) => import(args),
        DbCommand::Update(args) => update(args),
        DbCommand::Status(args) => status(args),
    }
}

fn import(args: &ImportArgs) -> anyhow::Result<Status> {
    let dir = args.location.dir()?;
    let started = Instant::now();
    let previous = if args.replace {
        Previous::Replace
    } else {
        Previous::Merge
    };
    let report = tollgate_advisory::import(&dir, &args.paths, previous)
        .with_context(|| format!("importing advisories into {}", dir.display()))?;
    print_import(&report, started.elapsed().as_secs_f64());
    Ok(Status::Clean)
}

fn print_import(report: &ImportReport, seconds: f64) {
    // Skipped records are notes for people (`-q` hides them); the summary below is the
    // command's report.
    for warning in report.warnings.iter().filter(|_| !crate::output::quiet()) {
        // File names inside archives and record ids are foreign text.
        eprintln!(
            "warning: {}",
            tollgate_model::escape_text(&warning.to_string())
        );
    }
    let header = &report.header;
    if header.skipped as usize > report.warnings.len() && !crate::output::quiet() {
        eprintln!(
            "warning: {} more records skipped (only the first {} are listed)",
            header.skipped as usize - report.warnings.len(),
            report.warnings.len()
        );
    }
    println!(
        "imported {} records in {seconds:.2}s ({} skipped as invalid, {} withdrawn, {} duplicate ids)",
        header.records - report.kept,
        header.skipped,
        header.withdrawn,
        header.duplicates
    );
    if report.kept > 0 {
        println!(
            "kept {} records of other ecosystems and sources from the previous index (--replace to start over)",
            report.kept
        );
    }
    print_ecosystems(header);
}

fn print_ecosystems(header: &IndexHeader) {
    for (ecosystem, stats) in &header.ecosystems {
        let sources: Vec<String> = stats
            .sources
            .iter()
            .map(|(prefix, count)| format!("{prefix} {count}"))
            .collect();
        println!(
            "  {ecosystem}: {} records, {} packages ({}), newest modified {}",
            stats.records,
            stats.packages,
            sources.join(", "),
            describe_time(stats.newest_modified.as_deref())
        );
    }
}

/// `2026-08-20T00:00:00Z (104 days old)`, or `unknown`.
fn describe_time(time: Option<&str>) -> String {
    match time {
        Some(time) => match age_days(time) {
            Some(age) => format!("{time} ({age} days old)"),
            None => time.to_owned(),
        },
        None => "unknown".to_owned(),
    }
}

fn update(args: &UpdateArgs) -> anyhow::Result<Status> {
    let dir = args.location.dir()?;
    let ecosystems = if args.ecosystems.is_empty() {
        Ecosystem::ALL.to_vec()
    } else {
        args.ecosystems.clone()
    };
    let base = args
        .url
        .as_deref()
        .unwrap_or(tollgate_model::defaults::OSV_EXPORT_BASE);
    let started = Instant::now();
    let http = tollgate_registry::HttpClient::new(tollgate_advisory::update_http_options());
    crate::output::detail(&format!("downloading OSV exports from {base}"));
    let report = tollgate_advisory::update(&dir, base, &ecosystems, &http)
        .with_context(|| format!("updating the advisory index in {}", dir.display()))?;
    let mut failed = false;
    for (ecosystem, status) in &report.exports {
        match status {
            ExportStatus::Unchanged => println!("{ecosystem}: unchanged"),
            ExportStatus::Downloaded { bytes } => println!("{ecosystem}: downloaded {bytes} bytes"),
            ExportStatus::Failed { error } => {
                failed = true;
                eprintln!("error: {ecosystem}: {error} (the previous export is kept)");
            }
        }
    }
    match &report.import {
        Some(import) => print_import(import, started.elapsed().as_secs_f64()),
        None => println!("index unchanged: {}", dir.display()),
    }
    Ok(if failed { Status::Error } else { Status::Clean })
}

/// Whole days since an RFC 3339 time, if it parses.
pub fn age_days(rfc3339: &str) -> Option<i64> {
    let then: jiff::Timestamp = rfc3339.parse().ok()?;
    Some((jiff::Timestamp::now().as_second() - then.as_second()) / 86_400)
}

fn status(args: &StatusArgs) -> anyhow::Result<Status> {
    let dir = args.location.dir()?;
    let index = Index::open(&dir)?;
    index.verify()?;
    let header = index.header();
    let age = age_days(&header.created);
    let data_age = header.newest_modified.as_deref().and_then(age_days);
    let stdout = std::io::stdout();
    let mut out = tollgate_report::SafeLines::new(stdout.lock());
    match args.format {
        StatusFormat::Json => {
            let ecosystems: serde_json::Map<String, serde_json::Value> = header
                .ecosystems
                .iter()
                .map(|(name, stats)| {
                    let sources: serde_json::Map<String, serde_json::Value> = stats
                        .source_stats
                        .iter()
                        .map(|(source, s)| {
                            let value = serde_json::json!({
                                "records": s.records,
                                "newest_modified": s.newest_modified,
                                "data_age_days": s.newest_modified.as_deref().and_then(age_days),
                            });
                            (source.clone(), value)
                        })
                        .collect();
                    let value = serde_json::json!({
                        "records": stats.records,
                        "packages": stats.packages,
                        "newest_modified": stats.newest_modified,
                        "data_age_days": stats.newest_modified.as_deref().and_then(age_days),
                        "sources": sources,
                    });
                    (name.clone(), value)
                })
                .collect();
            let json = serde_json::json!({
                "database": index.path(),
                "format_version": tollgate_advisory::FORMAT_VERSION,
                "age_days": age,
                "data_age_days": data_age,
                "packages": index.key_count(),
                "ecosystems": ecosystems,
                "header": header,
            });
            serde_json::to_writer_pretty(&mut out, &json)?;
            writeln!(out)?;
        }
        StatusFormat::Table => {
            writeln!(out, "database: {}", index.path().display())?;
            writeln!(
                out,
                "built: {} ({} days ago)",
                header.created,
                age.map_or_else(|| "?".to_owned(), |a| a.to_string())
            )?;
            writeln!(
                out,
                "newest advisory modified: {}",
                describe_time(header.newest_modified.as_deref())
            )?;
            writeln!(
                out,
                "{} records ({} skipped as invalid, {} withdrawn, {} duplicate ids)",
                header.records, header.skipped, header.withdrawn, header.duplicates
            )?;
            for (ecosystem, stats) in &header.ecosystems {
                writeln!(
                    out,
                    "  {ecosystem}: {} records, {} packages, newest modified {}",
                    stats.records,
                    stats.packages,
                    describe_time(stats.newest_modified.as_deref())
                )?;
                for (source, s) in &stats.source_stats {
                    writeln!(
                        out,
                        "    {source}: {} records, newest modified {}",
                        s.records,
                        describe_time(s.newest_modified.as_deref())
                    )?;
                }
            }
        }
    }
    Ok(Status::Clean)
}
