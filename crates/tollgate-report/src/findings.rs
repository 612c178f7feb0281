//! Findings output for `tollgate scan`: the report model, table and JSON.
//! SARIF and Markdown live in `sarif.rs` and `markdown.rs`.

use std::io::{self, Write};

use serde::Serialize;
use tollgate_model::{Ecosystem, FileError, Finding, LockfileFormat, Severity, escape_text};

use crate::table::write_table_fit;

/// Everything a scan found: the JSON document of `tollgate scan --format json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ScanReport {
    /// The findings, most severe first.
    pub findings: Vec<Finding>,
    /// Inputs that could not be read or understood (exit status 2).
    pub errors: Vec<FileError>,
    /// Problems that did not stop the scan (a version that could not be checked, ...).
    pub warnings: Vec<FileError>,
    /// The lockfiles scanned.
    pub lockfiles: Vec<ScannedLockfile>,
    /// Whether advisories were checked, and against what.
    pub advisories: AdvisoryStatus,
    /// With `--deep`: every package whose install-time code was analysed, with its verdict.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<AnalysedPackage>,
    /// Advisory findings a live ignore hid, with the ignore's reason. Not part of the JSON
    /// document (its notes list the ignores); the SBOMs report them with their analysis.
    #[serde(skip)]
    pub ignored: Vec<(Finding, String)>,
}

/// One package `scan --deep` analysed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AnalysedPackage {
    /// The lockfile that locks it.
    pub lockfile: String,
    /// Its package URL.
    pub purl: String,
    /// What the artifact says about install-time code (`state`, and `kinds` when it runs
    /// code).
    #[serde(flatten)]
    pub state: tollgate_analysis::CodeState,
    /// The verdict on its code.
    pub verdict: tollgate_analysis::Verdict,
}

/// One scanned lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScannedLockfile {
    /// Its path.
    pub path: String,
    /// Its format.
    pub format: LockfileFormat,
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// How many packages it locks.
    pub packages: usize,
    /// The policy file applied to it (`<default>`: no tollgate.toml applies); absent where
    /// no policy is involved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
}

/// The advisory database a scan used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AdvisoryStatus {
    /// Whether advisories were checked at all.
    pub checked: bool,
    /// The index file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Records in the index.
    pub records: u64,
    /// The newest `modified` time in the index.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub newest_modified: Option<String>,
    /// Days since the index was built.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// What a reader must know (no index, index too old).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl ScanReport {
    /// Number of findings at each severity, most severe first (only non-zero counts).
    pub fn severity_counts(&self) -> Vec<(Severity, usize)> {
        let order = [
            Severity::Critical,
            Severity::High,
            Severity::Medium,
            Severity::Low,
            Severity::Info,
        ];
        order
            .into_iter()
            .map(|s| (s, self.findings.iter().filter(|f| f.severity == s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Each policy file applied and the lockfiles it applied to, in first-seen order.
    pub fn policies(&self) -> Vec<(&str, Vec<&str>)> {
        let mut policies: Vec<(&str, Vec<&str>)> = Vec::new();
        for lockfile in &self.lockfiles {
            let Some(policy) = lockfile.policy.as_deref() else {
                continue;
            };
            match policies.iter_mut().find(|(p, _)| *p == policy) {
                Some((_, lockfiles)) => lockfiles.push(&lockfile.path),
                None => policies.push((policy, vec![&lockfile.path])),
            }
        }
        policies
    }

    /// One line: `3 findings (1 critical, 2 high) in 2 lockfiles, 310 packages`.
    pub fn summary_line(&self) -> String {
        let counts: Vec<String> = self
            .severity_counts()
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        let packages: usize = self.lockfiles.iter().map(|l| l.packages).sum();
        let mut line = crate::count(self.findings.len(), "finding");
        if !counts.is_empty() {
            line.push_str(&format!(" ({})", counts.join(", ")));
        }
        line.push_str(&format!(
            " in {}, {}",
            crate::count(self.lockfiles.len(), "lockfile"),
            crate::count(packages, "package")
        ));
        if !self.errors.is_empty() {
            line.push_str(&format!(", {}", crate::count(self.errors.len(), "error")));
        }
        line
    }
}

/// `path:line` of a finding, or just the path.
pub fn location(finding: &Finding) -> String {
    match (&finding.lockfile, finding.line) {
        (Some(path), Some(line)) => format!("{path}:{line}"),
        (Some(path), None) => path.clone(),
        (None, _) => String::new(),
    }
}

/// The severity as shown to people: `unscored (high)` for an advisory with no score, the
/// level in brackets being what `--fail-on` compares.
pub fn severity_label(finding: &Finding) -> String {
    if finding.unscored {
        format!("unscored ({})", finding.severity)
    } else {
        finding.severity.to_string()
    }
}

/// `name version`, or empty for a finding about no package.
pub fn package_label(finding: &Finding) -> String {
    match (&finding.name, &finding.version) {
        (Some(name), Some(version)) => format!("{name} {version}"),
        (Some(name), None) => name.clone(),
        _ => String::new(),
    }
}

/// The JSON document: `{"findings": [...], "errors": [...], "warnings": [...], ...}`.
pub fn write_json<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// A table of findings, then notes, warnings, errors and a summary line.
pub fn write_table_report<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    write_findings_table(out, report, None)?;
    write_table_notes(out, report)?;
    writeln!(out, "{}", report.summary_line())
}

/// The data of the table report: the findings table, fitted to `width` columns when
/// given (only the summary column is cut), the severity coloured when `color`, and the
/// summary line (the notes go elsewhere, see [`write_table_notes`]).
pub fn write_table_data<W: Write>(
    out: &mut W,
    report: &ScanReport,
    width: Option<usize>,
    color: bool,
) -> io::Result<()> {
    if !color {
        write_findings_table(out, report, width)?;
        return writeln!(out, "{}", report.summary_line());
    }
    let mut table = Vec::new();
    write_findings_table(&mut table, report, width)?;
    let table = String::from_utf8_lossy(&table);
    let mut lines = table.lines();
    if let Some(header) = lines.next() {
        writeln!(out, "{header}")?;
    }
    // Each row starts with its finding's severity label (the cells are escaped, so the
    // only escape sequences are these); a stacked row's continuation lines are indented.
    let mut findings = report.findings.iter().peekable();
    for line in lines {
        let coloured = findings.peek().and_then(|finding| {
            let label = severity_label(finding);
            let rest = line.strip_prefix(label.as_str())?;
            Some(format!("{}{label}\u{1b}[0m{rest}", sgr(finding)))
        });
        match coloured {
            Some(coloured) => {
                findings.next();
                writeln!(out, "{coloured}")?;
            }
            None => writeln!(out, "{line}")?,
        }
    }
    writeln!(out, "{}", report.summary_line())
}

/// The colour of a severity: red for critical and high, yellow for medium, magenta for
/// unscored, cyan for low, none for info.
fn sgr(finding: &Finding) -> &'static str {
    if finding.unscored {
        return "\u{1b}[35m";
    }
    match finding.severity {
        Severity::Critical => "\u{1b}[1;31m",
        Severity::High => "\u{1b}[31m",
        Severity::Medium => "\u{1b}[33m",
        Severity::Low => "\u{1b}[36m",
        Severity::Info => "\u{1b}[0m",
    }
}

fn write_findings_table<W: Write>(
    out: &mut W,
    report: &ScanReport,
    width: Option<usize>,
) -> io::Result<()> {
    if !report.findings.is_empty() {
        let rows: Vec<Vec<String>> = report
            .findings
            .iter()
            .map(|f| {
                vec![
                    severity_label(f),
                    f.code.clone(),
                    package_label(f),
                    f.id.clone().unwrap_or_default(),
                    f.fixed
                        .clone()
                        .map(|v| format!("fixed in {v}"))
                        .unwrap_or_default(),
                    location(f),
                    f.summary.clone(),
                ]
            })
            .collect();
        write_table_fit(
            out,
            &[
                "severity", "code", "package", "id", "fix", "location", "summary",
            ],
            &rows,
            width,
        )?;
    }
    Ok(())
}

/// The notes, policies, warnings and errors of a report, one escaped line each.
pub fn write_table_notes<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    for note in &report.advisories.notes {
        writeln!(out, "note: {}", escape_text(note))?;
    }
    for (policy, lockfiles) in report.policies() {
        let lockfiles = lockfiles.join(", ");
        writeln!(
            out,
            "policy: {} applies to {}",
            escape_text(policy),
            escape_text(&lockfiles)
        )?;
    }
    for warning in &report.warnings {
        let text = warning.to_string();
        match &warning.code {
            Some(code) => writeln!(out, "warning[{code}]: {}", escape_text(&text))?,
            None => writeln!(out, "warning: {}", escape_text(&text))?,
        }
    }
    for error in &report.errors {
        writeln!(out, "error: {}", escape_text(&error.to_string()))?;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use tollgate_model::{Evidence, Package};

    /// A report with one malicious and one vulnerable package, shared by the renderers' tests.
    pub(crate) fn sample_report() -> ScanReport {
        let mut malicious = Package::new(Ecosystem::CratesIo, "chrono_anchor", "0.1.0");
        malicious.line = Some(5);
        let mut finding = Finding::for_package(
            "malicious",
            Severity::Critical,
            &malicious,
            "Cargo.lock",
            "`chrono_anchor` was removed from crates.io due to malicious code",
        );
        finding.id = Some("RUSTSEC-2026-0039".into());
        finding.affected = Some(">=0.0.0-0".into());
        finding.url = Some("https://rustsec.org/advisories/RUSTSEC-2026-0039.html".into());
        finding.evidence = vec![Evidence {
            path: "Cargo.lock".into(),
            line: Some(5),
            snippet: Some("chrono_anchor 0.1.0".into()),
            note: Some("RUSTSEC-2026-0039 affects >=0.0.0-0".into()),
        }];
        let mut time = Package::new(Ecosystem::CratesIo, "time", "0.1.45");
        time.line = Some(29);
        let mut vulnerable = Finding::for_package(
            "vulnerability",
            Severity::Medium,
            &time,
            "Cargo.lock",
            "Potential segfault in the time crate",
        );
        vulnerable.id = Some("RUSTSEC-2020-0071".into());
        vulnerable.aliases = vec!["CVE-2020-26235".into(), "GHSA-wcg3-cvx6-7396".into()];
        vulnerable.fixed = Some("0.2.23".into());
        ScanReport {
            findings: vec![finding, vulnerable],
            errors: Vec::new(),
            warnings: Vec::new(),
            lockfiles: vec![ScannedLockfile {
                path: "Cargo.lock".into(),
                format: LockfileFormat::CargoLock,
                ecosystem: Ecosystem::CratesIo,
                packages: 6,
                policy: None,
            }],
            advisories: AdvisoryStatus {
                checked: true,
                database: Some("/db/advisories.idx".into()),
                records: 8,
                newest_modified: None,
                age_days: Some(0),
                notes: Vec::new(),
            },
            packages: Vec::new(),
            ignored: Vec::new(),
        }
    }

    #[test]
    fn table_lists_findings_and_summary() {
        let mut out = Vec::new();
        write_table_report(&mut out, &sample_report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("severity  code"), "{text}");
        assert!(
            text.contains("critical  malicious      chrono_anchor 0.1.0  RUSTSEC-2026-0039"),
            "{text}"
        );
        assert!(text.contains("fixed in 0.2.23  Cargo.lock:29"), "{text}");
        assert!(
            text.ends_with("2 findings (1 critical, 1 medium) in 1 lockfile, 6 packages\n"),
            "{text}"
        );
    }

    #[test]
    fn json_has_findings_and_errors_keys() {
        let mut out = Vec::new();
        write_json(&mut out, &sample_report()).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(json["findings"][0]["code"], "malicious");
        assert_eq!(json["findings"][1]["aliases"][0], "CVE-2020-26235");
        assert_eq!(json["errors"], serde_json::json!([]));
        assert_eq!(json["advisories"]["checked"], true);
    }
}
