//! `tollgate check <ecosystem> <name>[@version]`: the question to ask before adding a
//! dependency. Does the name look like a typosquat of a popular package? Is it banned?
//! Does it exist, how old is the version, does it run install-time code, does the advisory
//! index know it as vulnerable or malicious? Exit 0 when nothing was found, 1 when something
//! was, 2 on error.
//!
//! The answer is `tollgate-gate`'s [`Checker`] (the same one `tollgate hook` asks); this
//! module loads what it needs (policy, registry client, advisory index), adds context to
//! its errors and prints the report. It fails closed: without a usable advisory index, or
//! without registry metadata (`--offline` with an empty cache, no network), it exits 2
//! unless `--allow-missing-db` says to answer from what is there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tollgate_advisory::Index;
use tollgate_gate::{CheckReport, Checker};
use tollgate_model::{Ecosystem, escape_text};

use crate::commands::db::DbLocation;
use crate::commands::db_age::max_db_age_days;
use crate::commands::policy::load_config;
use crate::exit::Status;
use crate::registry::RegistryMetadata;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object (for agents and scripts).
    Json,
}

/// `tollgate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The ecosystem as OSV spells it (npm, PyPI, crates.io) or an alias (pypi, cargo).
    #[arg(value_parser = parse_ecosystem)]
    pub ecosystem: Ecosystem,
    /// The package, optionally with a version: `lodash`, `@types/node@20.1.0`, `serde@1.0.200`.
    pub package: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
    /// The policy file (default: `tollgate.toml` in the current directory).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Do not ask the registry (existence, publish time, install scripts): answer from the
    /// cache and the advisory index only.
    #[arg(long)]
    pub offline: bool,
    /// The advisory index.
    #[command(flatten)]
    pub location: DbLocation,
    /// Answer even without an advisory index or registry metadata (what could not be
    /// checked is listed in `notes`); without it, either missing is an error (exit 2).
    #[arg(long)]
    pub allow_missing_db: bool,
}

fn parse_ecosystem(text: &str) -> Result<Ecosystem, String> {
    Ecosystem::from_str(text).map_err(|e| e.to_string())
}

/// Answers the question and prints the answer.
pub fn run(args: &CheckArgs) -> anyhow::Result<Status> {
    let config = load_config(args.config.as_deref(), Path::new("."))?;
    let metadata = RegistryMetadata::from_process(args.offline)?;
    let index = Index::open(&args.location.dir()?);
    // The index's coverage of this ecosystem (`db-stale`, `db-no-coverage`), as in `scan`.
    let coverage = index.as_ref().map_or_else(
        |_| Vec::new(),
        |index| {
            tollgate_advisory::coverage_warnings(
                index,
                [args.ecosystem],
                max_db_age_days(&config),
                jiff::Timestamp::now(),
            )
        },
    );
    let checker = Checker::new(config, &metadata, index, args.allow_missing_db)?;
    let mut report = checker.check(args.ecosystem, &args.package)?;
    for warning in coverage {
        let code = warning.code.as_deref().unwrap_or("warning");
        report.notes.push(format!("{code}: {}", warning.message));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        CheckFormat::Json => serde_json::to_writer_pretty(&mut out, &report)
            .map_err(std::io::Error::from)
            .and_then(|()| writeln!(out)),
        CheckFormat::Text => write_text(&mut out, &report),
    }
    .and_then(|()| out.flush())
    .context("writing the answer to standard output")?;
    Ok(if report.findings.is_empty() {
        Status::Clean
    } else {
        Status::Findings
    })
}

/// The answer as lines; every field that comes from the command line, a registry or an
/// advisory is escaped.
fn write_text(out: &mut impl Write, report: &CheckReport) -> std::io::Result<()> {
    let version = report
        .version
        .as_deref()
        .map_or_else(String::new, |v| format!("@{v}"));
    writeln!(
        out,
        "{} {}",
        report.ecosystem,
        escape_text(&format!("{}{version}", report.name))
    )?;
    if report.version.is_none() {
        let checked = report.checked_version.as_deref().unwrap_or("none");
        writeln!(out, "  checked version: {}", escape_text(checked))?;
    }
    match &report.typosquat_of {
        Some(found) => writeln!(
            out,
            "  typosquat: looks like `{}` ({})",
            escape_text(&found.target),
            found.technique
        )?,
        None => writeln!(out, "  typosquat: no popular package it imitates")?,
    }
    let unknown = |value: Option<String>| value.unwrap_or_else(|| "unknown".into());
    writeln!(
        out,
        "  exists:    {}",
        unknown(report.exists.map(|e| e.to_string()))
    )?;
    writeln!(out, "  published: {}", unknown(report.published.clone()))?;
    let install = report.install_time_code.as_ref().map(|hooks| {
        if hooks.is_empty() {
            "none".to_owned()
        } else {
            hooks.join("; ")
        }
    });
    writeln!(
        out,
        "  install-time code: {}",
        escape_text(&unknown(install))
    )?;
    writeln!(out, "  provenance: {}", report.provenance.describe())?;
    for finding in &report.findings {
        writeln!(
            out,
            "  {} [{}]: {}",
            finding.severity,
            finding.code,
            escape_text(&finding.summary)
        )?;
    }
    for note in &report.notes {
        writeln!(out, "  note: {}", escape_text(note))?;
    }
    writeln!(
        out,
        "{}",
        if report.findings.is_empty() {
            "result: no findings"
        } else {
            "result: findings (exit 1)"
        }
    )
}
