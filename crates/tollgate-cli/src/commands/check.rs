//! `tollgate check <ecosystem> <name>[@version]`: the question to ask before adding a
//! dependency. Does the name look like a typosquat of a popular package? Is it banned?
//! Does it exist, how old is the version, does it run install-time code (these need
//! registry metadata)? Exit 0 when nothing was found, 1 when something was, 2 on error.
//!
//! Advisories and registry metadata are not consulted yet (they need the advisory index
//! and the registry client); the report says so in `notes` rather than answering "no".

use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;
use tollgate_lockfile::Inventory;
use tollgate_model::{Ecosystem, Finding, Lockfile, LockfileFormat, Package};
use tollgate_policy::checks::names::{NameVerdict, judge_name};
use tollgate_policy::{Level, MetadataSource};

use crate::commands::policy::load_config;
use tollgate_advisory::{Index, Matcher};

use crate::commands::db::DbLocation;
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
}

fn parse_ecosystem(text: &str) -> Result<Ecosystem, String> {
    Ecosystem::from_str(text).map_err(|e| e.to_string())
}

/// The answer, as printed with `--format json`.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    /// The ecosystem.
    pub ecosystem: Ecosystem,
    /// The package name.
    pub name: String,
    /// The version asked about, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The popular package the name imitates, if any.
    pub typosquat_of: Option<TyposquatReport>,
    /// Whether the registry has the package (`null`: not known).
    pub exists: Option<bool>,
    /// When the version was published (`null`: not known).
    pub published: Option<String>,
    /// What runs when the version is installed, as the registry describes it (`null`: not
    /// known; an empty list: nothing).
    pub install_time_code: Option<Vec<String>>,
    /// Findings (typosquat, ban, too new, not found), as in `tollgate scan`.
    pub findings: Vec<Finding>,
    /// What was not checked, and why.
    pub notes: Vec<String>,
}

/// The popular package a name imitates.
#[derive(Debug, Serialize)]
pub struct TyposquatReport {
    /// The popular name.
    pub target: String,
    /// How it is imitated.
    pub technique: String,
}

/// `name@version` → (name, version); a leading `@` is an npm scope, not a version.
fn split_package(spec: &str) -> (&str, Option<&str>) {
    match spec.rfind('@') {
        Some(at) if at > 0 => {
            let (name, version) = spec.split_at(at);
            let version = version.trim_start_matches('@');
            (name, Some(version).filter(|v| !v.is_empty()))
        }
        _ => (spec, None),
    }
}

fn format_of(ecosystem: Ecosystem) -> LockfileFormat {
    match ecosystem {
        Ecosystem::Npm => LockfileFormat::PackageLock,
        Ecosystem::PyPI => LockfileFormat::UvLock,
        Ecosystem::CratesIo => LockfileFormat::CargoLock,
    }
}

/// Answers the question and prints the answer.
pub fn run(args: &CheckArgs) -> anyhow::Result<Status> {
    let mut config = load_config(args.config.as_deref(), Path::new("."))?;
    // Only the checks that make sense for a package that is not installed yet.
    config.sources.level = Level::Allow;
    config.hashes.level = Level::Allow;
    config.licenses.level = Level::Allow;
    config.licenses.unknown = Level::Allow;
    config.install_scripts.level = Level::Allow;
    if config.names.level == Level::Allow {
        config.names.level = Level::Warn;
    }
    let (name, version) = split_package(args.package.trim());
    let ecosystem = args.ecosystem;
    let mut lockfile = Lockfile::new("<command line>", format_of(ecosystem));
    lockfile
        .packages
        .push(Package::new(ecosystem, name, version.unwrap_or_default()));
    let inventory = Inventory {
        lockfiles: vec![lockfile],
        errors: Vec::new(),
    };
    let metadata = RegistryMetadata::from_process(args.offline)?;
    let now = jiff::Timestamp::now();
    let context = tollgate_policy::Context::new(&metadata, now);
    let mut findings = tollgate_policy::run_checks(&inventory, &config, &context);
    let mut notes = Vec::new();
    findings.extend(advisory_findings(
        args,
        &inventory,
        version.is_some(),
        &mut notes,
    )?);
    let install_time_code = version.and_then(|v| metadata.install_time_code(ecosystem, name, v));
    if install_time_code.is_none() {
        notes.push(match version {
            None => "install-time code not checked: give a version (NAME@VERSION)".into(),
            Some(_) => "install-time code unknown: the registry metadata does not say (crates.io \
                        never does; `tollgate inspect` reads the package itself)"
                .into(),
        });
    }
    let typosquat_of = judge_name(ecosystem, name, &config, context.popular, &metadata)
        .into_iter()
        .find_map(|verdict| match verdict {
            NameVerdict::Typosquat(found) => Some(TyposquatReport {
                target: found.target,
                technique: found.technique.describe(),
            }),
            NameVerdict::NotFound => None,
        });
    let published = version
        .and_then(|v| metadata.publish_time(ecosystem, name, v).ok().flatten())
        .map(|t| t.to_string());
    let report = CheckReport {
        ecosystem,
        name: name.to_owned(),
        version: version.map(str::to_owned),
        typosquat_of,
        exists: metadata.exists(ecosystem, name).ok().flatten(),
        published,
        install_time_code,
        findings,
        notes,
    };
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

/// Known vulnerabilities and malicious-package reports for the version asked about, from
/// the local index (the same matching as `tollgate scan`).
fn advisory_findings(
    args: &CheckArgs,
    inventory: &Inventory,
    has_version: bool,
    notes: &mut Vec<String>,
) -> anyhow::Result<Vec<Finding>> {
    if !has_version {
        notes.push("advisories not checked: give a version (NAME@VERSION)".into());
        return Ok(Vec::new());
    }
    let index = match Index::open(&args.location.dir()?) {
        Ok(index) => index,
        // No index yet: say so and answer the rest. A broken index is an error (exit 2),
        // as in `scan`: an agent must not read "no advisories" into it.
        Err(tollgate_advisory::Error::Missing { path }) => {
            notes.push(format!(
                "advisories not checked: no advisory index at {} (run `tollgate db update` or \
                 `tollgate db import`)",
                path.display()
            ));
            return Ok(Vec::new());
        }
        Err(error) => return Err(error).context("opening the advisory index"),
    };
    let mut matcher = Matcher::new(&index);
    let mut findings = Vec::new();
    for lockfile in &inventory.lockfiles {
        findings.extend(
            matcher
                .match_lockfile(lockfile)
                .context("matching against the advisory index")?
                .findings,
        );
    }
    Ok(findings)
}

fn write_text(out: &mut impl Write, report: &CheckReport) -> std::io::Result<()> {
    let version = report
        .version
        .as_deref()
        .map_or_else(String::new, |v| format!("@{v}"));
    writeln!(out, "{} {}{version}", report.ecosystem, report.name)?;
    match &report.typosquat_of {
        Some(found) => writeln!(
            out,
            "  typosquat: looks like `{}` ({})",
            found.target, found.technique
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
    writeln!(out, "  install-time code: {}", unknown(install))?;
    for finding in &report.findings {
        writeln!(
            out,
            "  {} [{}]: {}",
            finding.severity, finding.code, finding.summary
        )?;
    }
    for note in &report.notes {
        writeln!(out, "  note: {note}")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_versions_but_not_scopes() {
        assert_eq!(split_package("lodash@4.17.21"), ("lodash", Some("4.17.21")));
        assert_eq!(split_package("@types/node"), ("@types/node", None));
        assert_eq!(
            split_package("@types/node@20.1.0"),
            ("@types/node", Some("20.1.0"))
        );
        assert_eq!(split_package("serde@"), ("serde", None));
    }
}
