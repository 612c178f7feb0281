//! `tollgate trust`: the audit verdicts of every locked package as lines for people or
//! as JSON.

use std::io::{self, Write};

use serde::Serialize;
use tollgate_model::FileError;
use tollgate_trust::report::{OutOfScope, PackageResult, Report, Summary, Verdict};

use crate::count;

/// The JSON document of `tollgate trust --format json` (docs/json.md).
#[derive(Debug, Serialize)]
pub struct TrustDocument<'a> {
    /// The store directory.
    pub store: String,
    /// The criteria every package needs.
    pub criteria: &'a [String],
    /// The criteria development-only npm/PyPI packages need.
    pub dev_criteria: &'a [String],
    /// Counts per verdict.
    pub summary: Summary,
    /// Every evaluated package with its verdict and evidence.
    pub packages: &'a [PackageResult],
    /// Packages no audit applies to (git, path, other registries, unpinned).
    pub out_of_scope: &'a [OutOfScope],
    /// What the evaluation could not know.
    pub notes: &'a [String],
    /// Store and lockfile warnings.
    pub warnings: Vec<FileError>,
    /// Lockfiles that could not be read.
    pub errors: Vec<FileError>,
}

impl<'a> TrustDocument<'a> {
    /// The document of `report` for the store named `store`.
    pub fn new(
        store: String,
        report: &'a Report,
        warnings: Vec<FileError>,
        errors: Vec<FileError>,
    ) -> Self {
        TrustDocument {
            store,
            criteria: &report.criteria,
            dev_criteria: &report.dev_criteria,
            summary: report.summary(),
            packages: &report.packages,
            out_of_scope: &report.out_of_scope,
            notes: &report.notes,
            warnings,
            errors,
        }
    }
}

/// The document as pretty JSON.
pub fn write_json(out: &mut impl Write, document: &TrustDocument<'_>) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, document)?;
    writeln!(out)
}

/// The counts, notes, warnings and errors; then, unless `summary_only`, every package
/// that is not vetted or is violated, with its evidence and the audit to add.
pub fn write_table(
    out: &mut impl Write,
    document: &TrustDocument<'_>,
    summary_only: bool,
) -> io::Result<()> {
    let s = &document.summary;
    let vetted = s.vetted_by_audit + s.vetted_by_import + s.vetted_by_exemption;
    writeln!(
        out,
        "{}: {} (required: {}; development-only npm/PyPI packages: {})",
        document.store,
        count(s.packages, "package"),
        document.criteria.join(", "),
        document.dev_criteria.join(", ")
    )?;
    writeln!(
        out,
        "  vetted: {vetted} ({} by own audits, {} with imported audits, {} with exemptions)",
        s.vetted_by_audit, s.vetted_by_import, s.vetted_by_exemption
    )?;
    writeln!(
        out,
        "  no criteria required by [policy]: {}",
        s.not_required
    )?;
    writeln!(out, "  unvetted: {}", s.unvetted)?;
    writeln!(out, "  violations: {}", s.violations)?;
    writeln!(
        out,
        "  not audited (git, path, other registries, unpinned): {}",
        s.out_of_scope
    )?;
    for note in document.notes {
        writeln!(out, "  note: {note}")?;
    }
    for warning in &document.warnings {
        writeln!(out, "  warning: {warning}")?;
    }
    for error in &document.errors {
        writeln!(out, "  error: {error}")?;
    }
    if summary_only {
        return Ok(());
    }
    for package in document.packages {
        write_package(out, package)?;
    }
    if !document.out_of_scope.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "not audited (cargo-vet treats these as first-party or out of scope):"
        )?;
        for package in document.out_of_scope {
            writeln!(
                out,
                "  {} {} ({}): {}",
                package.name,
                package.version,
                place(&package.place.lockfile, package.place.line),
                package.reason
            )?;
        }
    }
    Ok(())
}

fn write_package(out: &mut impl Write, package: &PackageResult) -> io::Result<()> {
    let locations: Vec<String> = package
        .locations
        .iter()
        .map(|p| place(&p.lockfile, p.line))
        .collect();
    let label = format!(
        "{} {} {} ({})",
        package.ecosystem,
        package.name,
        package.version,
        locations.join(", ")
    );
    match &package.verdict {
        Verdict::Vetted { .. } | Verdict::NotRequired { .. } => Ok(()),
        Verdict::Violation { evidence } => {
            writeln!(out)?;
            writeln!(out, "VIOLATION {label}")?;
            for step in evidence {
                writeln!(out, "    {step}")?;
            }
            Ok(())
        }
        Verdict::Unvetted {
            found,
            nearest,
            suggestion,
            notes,
        } => {
            writeln!(out)?;
            let found = if found.is_empty() {
                "nothing".to_owned()
            } else {
                found.join(", ")
            };
            writeln!(
                out,
                "UNVETTED {label}: needs {}, vetted for {found}",
                package.required.join(", ")
            )?;
            for note in notes {
                writeln!(out, "    note: {note}")?;
            }
            for nearby in nearest {
                writeln!(
                    out,
                    "    nearest vetted: {} ({})",
                    nearby.version,
                    nearby.criteria.join(", ")
                )?;
                for step in &nearby.evidence {
                    writeln!(out, "      {step}")?;
                }
            }
            if let Some(suggestion) = suggestion {
                writeln!(
                    out,
                    "    suggest: {suggestion}, then record in audits.toml:"
                )?;
                for line in suggestion.record.lines() {
                    writeln!(out, "      {line}")?;
                }
            }
            Ok(())
        }
    }
}

fn place(lockfile: &str, line: Option<u32>) -> String {
    match line {
        Some(line) => format!("{lockfile}:{line}"),
        None => lockfile.to_owned(),
    }
}
