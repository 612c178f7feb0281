//! `tollgate scan`: inventory every lockfile, match it against the advisory index, report.
//!
//! Exit status: 0 when nothing is at or above `--fail-on`, 1 when something is, 2 on any
//! error (an unreadable lockfile, an unusable index, or no index without
//! `--allow-missing-db`). Findings are still printed when the status is 2.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tollgate_advisory::{Error as AdvisoryError, Index, Matcher};
use tollgate_lockfile::Inventory;
use tollgate_model::{FileError, Severity};
use tollgate_report::findings::{AdvisoryStatus, ScanReport, ScannedLockfile};

use crate::commands::db::{DbLocation, age_days};
use crate::exit::Status;

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScanFormat {
    /// An aligned table.
    Table,
    /// The JSON document described in docs/json.md.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// Markdown, for pull-request comments and job summaries.
    Markdown,
}

/// `tollgate scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Lockfiles or directories to scan; directories are walked (honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ScanFormat::Table)]
    pub format: ScanFormat,
    /// Exit with status 1 when a finding is at or above this severity
    /// (info, low, medium, high, critical).
    #[arg(long, value_name = "SEVERITY", default_value = "low")]
    pub fail_on: Severity,
    /// The database location.
    #[command(flatten)]
    pub location: DbLocation,
    /// Scan without an advisory index (exit 0/1 instead of 2); advisories are not checked.
    #[arg(long)]
    pub allow_missing_db: bool,
    /// Warn when the index was built more than this many days ago.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub max_db_age: u32,
}

/// Runs the scan and prints the report.
pub fn run(args: &ScanArgs) -> anyhow::Result<Status> {
    let inventory = tollgate_lockfile::inventory(&args.paths);
    let mut report = ScanReport {
        errors: inventory.errors.clone(),
        lockfiles: scanned_lockfiles(&inventory),
        ..ScanReport::default()
    };
    for lockfile in &inventory.lockfiles {
        report.warnings.extend(lockfile.warnings.iter().cloned());
    }
    let index_missing = check_advisories(args, &inventory, &mut report)?;
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.lockfile.cmp(&b.lockfile))
            .then_with(|| a.line.cmp(&b.line))
            .then_with(|| a.id.cmp(&b.id))
    });

    // One buffered write instead of one per line (stdout is line-buffered).
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        ScanFormat::Table => tollgate_report::findings::write_table_report(&mut out, &report),
        ScanFormat::Json => tollgate_report::findings::write_json(&mut out, &report),
        ScanFormat::Sarif => tollgate_report::sarif::write_sarif(&mut out, &report),
        ScanFormat::Markdown => tollgate_report::markdown::write_markdown(&mut out, &report),
    }
    .and_then(|()| out.flush())
    .context("writing the scan report to standard output")?;
    if !matches!(args.format, ScanFormat::Table | ScanFormat::Markdown) {
        // Machine formats keep stdout clean; people still need to see the notes.
        for note in &report.advisories.notes {
            eprintln!("note: {note}");
        }
    }

    if !report.errors.is_empty() || (index_missing && !args.allow_missing_db) {
        Ok(Status::Error)
    } else if report.findings.iter().any(|f| f.severity >= args.fail_on) {
        Ok(Status::Findings)
    } else {
        Ok(Status::Clean)
    }
}

fn scanned_lockfiles(inventory: &Inventory) -> Vec<ScannedLockfile> {
    inventory
        .lockfiles
        .iter()
        .map(|l| ScannedLockfile {
            path: l.path.clone(),
            format: l.format,
            ecosystem: l.ecosystem,
            packages: l.packages.len(),
        })
        .collect()
}

/// Matches the inventory against the index, filling findings, warnings and the advisory
/// status. Returns whether the index is missing.
fn check_advisories(
    args: &ScanArgs,
    inventory: &Inventory,
    report: &mut ScanReport,
) -> anyhow::Result<bool> {
    let dir = args.location.dir()?;
    let index = match Index::open(&dir) {
        Ok(index) => index,
        Err(AdvisoryError::Missing { path }) => {
            report.advisories.notes.push(format!(
                "advisories were NOT checked: there is no advisory index at {}. Run `tollgate db update` \
                 to download the OSV exports, or `tollgate db import PATH` to import OSV files{}",
                path.display(),
                if args.allow_missing_db { "" } else { " (or pass --allow-missing-db to scan without it)" }
            ));
            return Ok(true);
        }
        Err(error) => {
            report.errors.push(FileError {
                path: dir.display().to_string(),
                line: None,
                column: None,
                message: error.to_string(),
            });
            return Ok(false);
        }
    };
    let header = index.header();
    let age = age_days(&header.created);
    report.advisories = AdvisoryStatus {
        checked: true,
        database: Some(index.path().display().to_string()),
        records: header.records,
        newest_modified: header.newest_modified.clone(),
        age_days: age,
        notes: Vec::new(),
    };
    if let Some(age) = age.filter(|age| *age > i64::from(args.max_db_age)) {
        report.advisories.notes.push(format!(
            "the advisory index is {age} days old (limit {} days, --max-db-age): run `tollgate db update`",
            args.max_db_age
        ));
    }
    let mut matcher = Matcher::new(&index);
    for lockfile in &inventory.lockfiles {
        let outcome = matcher.match_lockfile(lockfile).with_context(|| {
            format!(
                "matching {} against {}",
                lockfile.path,
                index.path().display()
            )
        })?;
        report.findings.extend(outcome.findings);
        report.warnings.extend(outcome.warnings);
    }
    Ok(false)
}
