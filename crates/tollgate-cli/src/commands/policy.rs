//! `tollgate policy`: validate `tollgate.toml` and run the policy checks alone (bans,
//! sources, hashes, install-scripts, licenses, cooldown, names, trust), through the gate's
//! pipeline without an advisory index. `tollgate scan` merges the same findings with
//! advisory findings.
//!
//! Also home of [`load_config`], which every command that reads the policy uses: an
//! invalid file is rendered with miette (the offending text underlined, with the hint).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};
use clap::{Args, ValueEnum};
use tollgate_gate::PolicyScope;
use tollgate_model::Severity;
use tollgate_policy::{Config, ConfigErrors, LoadError};
use tollgate_report::findings::{AdvisoryStatus, ScanReport};

use crate::commands::policies::{PolicyGroup, policy_groups};
use crate::exit::Status;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PolicyFormat {
    /// An aligned table.
    Table,
    /// The JSON document of `tollgate scan --format json`.
    Json,
}

/// `tollgate policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// Lockfiles or directories to check; directories are walked (honouring .gitignore).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The policy file for every lockfile (default: for each lockfile the nearest
    /// `tollgate.toml` at or above it, up to the repository root, as `scan` reads it).
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PolicyFormat::Table)]
    pub format: PolicyFormat,
    /// Exit with status 1 when a finding is at or above this severity, or the severity of
    /// a verdict's finding (`suspicious`: high, `malicious`: critical). `deny` findings
    /// are `high`, `warn` findings `info`.
    #[arg(long, value_name = "LEVEL", default_value = "low", value_parser = crate::fail_on::parse)]
    pub fail_on: Severity,
}

/// Loads the policy (`explicit`, else `tollgate.toml` in `root`, else the defaults),
/// printing a rendered diagnostic for each problem of an invalid file.
pub fn load_config(explicit: Option<&Path>, root: &Path) -> anyhow::Result<Config> {
    match Config::discover(explicit, root) {
        Ok(config) => Ok(config),
        Err(LoadError::Invalid(errors)) => Err(invalid_policy(&errors)),
        Err(error) => Err(error.into()),
    }
}

/// Parses a policy that is not a file on disk (`diff` reads a revision's from git), named
/// `display` in the diagnostics; an invalid one is rendered as [`load_config`] renders it.
pub fn parse_config(display: &str, text: &str) -> anyhow::Result<Config> {
    Config::parse(display, text).map_err(|errors| invalid_policy(&errors))
}

/// Renders the problems of an invalid policy and gives the error that names it.
fn invalid_policy(errors: &ConfigErrors) -> anyhow::Error {
    render_config_errors(errors);
    anyhow!(
        "{} is not a valid policy ({} problems)",
        errors.path,
        errors.errors.len()
    )
}

/// Prints each configuration error as a miette diagnostic quoting the file.
fn render_config_errors(errors: &ConfigErrors) {
    for error in &errors.errors {
        let mut diagnostic =
            miette::MietteDiagnostic::new(error.message.clone()).with_code("tollgate::config");
        if let Some(span) = &error.span {
            diagnostic = diagnostic.with_label(miette::LabeledSpan::at(span.clone(), "here"));
        }
        if let Some(hint) = &error.hint {
            diagnostic = diagnostic.with_help(hint.clone());
        }
        let report = miette::Report::new(diagnostic).with_source_code(miette::NamedSource::new(
            errors.path.clone(),
            errors.source_text.clone(),
        ));
        eprintln!("{report:?}");
    }
}

/// The directory a policy file is looked for in: the first path if it is a directory,
/// else its parent.
pub fn policy_root(paths: &[PathBuf]) -> PathBuf {
    match paths.first() {
        Some(path) if path.is_dir() => path.clone(),
        Some(path) => path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}

/// Runs the policy checks and prints the report.
pub fn run(args: &PolicyArgs) -> anyhow::Result<Status> {
    let (files, discovery_errors) = tollgate_lockfile::discover(&args.paths);
    // Each lockfile under the nearest tollgate.toml at or above it, as `scan` does.
    let groups = policy_groups(args.config.as_deref(), &args.paths, &files)?;
    let inventory = tollgate_lockfile::parse_discovered(&files, discovery_errors);
    let metadata = tollgate_policy::Offline;
    let context = tollgate_policy::Context::new(&metadata, jiff::Timestamp::now());
    let policies: Vec<PolicyScope<'_>> = groups
        .iter()
        .map(|group| PolicyScope {
            config: &group.config,
            lockfiles: &group.lockfiles,
            roots: Some(&group.roots),
            trust_root: Some(&group.root),
        })
        .collect();
    // No index: the policy checks alone.
    let checked = tollgate_gate::pipeline::check(&inventory, &policies, None, &context, &[])?;
    let mut findings = checked.findings;
    let mut errors = inventory.errors.clone();
    errors.extend(checked.errors);
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    let report = ScanReport {
        findings,
        errors,
        warnings: inventory
            .lockfiles
            .iter()
            .flat_map(|l| l.warnings.iter().cloned())
            .collect(),
        lockfiles: crate::commands::scan::scanned_lockfiles(&inventory)
            .into_iter()
            .map(|mut lockfile| {
                lockfile.policy = groups
                    .iter()
                    .find(|g| g.lockfiles.contains(&lockfile.path))
                    .map(PolicyGroup::label);
                lockfile
            })
            .collect(),
        advisories: AdvisoryStatus {
            notes: vec![
                "advisories are not checked by `tollgate policy`; `tollgate scan` checks them".into(),
                "registry metadata is not consulted in this build: cooldown uses lock upload times only, licenses the lock only, and names are not checked for existence".into(),
            ],
            ..AdvisoryStatus::default()
        },
        ..ScanReport::default()
    };
    let stdout = std::io::stdout();
    let mut out = tollgate_report::SafeLines::new(stdout.lock());
    match args.format {
        PolicyFormat::Json => tollgate_report::findings::write_json(&mut out, &report),
        PolicyFormat::Table => tollgate_report::findings::write_table_report(&mut out, &report),
    }
    .and_then(|()| out.flush())
    .context("writing the policy report to standard output")?;
    Ok(if !report.errors.is_empty() {
        Status::Error
    } else if report.findings.iter().any(|f| f.severity >= args.fail_on) {
        Status::Findings
    } else {
        Status::Clean
    })
}
