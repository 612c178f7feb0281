//! `tollgate diff`'s report as lines for a terminal and as Markdown for a pull-request
//! comment (a summary table, then one collapsed `<details>` per change that has something
//! to say, kept below GitHub's comment size limit). JSON is the report's own serde form and
//! SARIF goes through [`crate::sarif`] with the new findings. Every foreign string (names,
//! versions, sources, summaries) is escaped here.

use std::io::{self, Write};

use tollgate_diff::{ChangeKind, DiffReport, LockfileDiff, PackageChange};
use tollgate_model::{Finding, Source, escape_text};

use crate::findings::severity_label;
use crate::markdown::{MAX_MARKDOWN_CHARS, code_span, escape};

/// `lodash 4.17.20 → 4.17.21`, `axios 1.14.1`, `left-pad 1.0.0 (removed)`.
fn versions(change: &PackageChange) -> String {
    match (&change.old_version, &change.new_version) {
        (Some(old), Some(new)) if old != new => format!("{old} → {new}"),
        (_, Some(new)) => new.clone(),
        (Some(old), None) => old.clone(),
        (None, None) => String::new(),
    }
}

fn source_label(source: &Source) -> String {
    match source {
        Source::Registry { url: Some(url) } => format!("registry {url}"),
        Source::Registry { url: None } => "registry".to_owned(),
        Source::Git { url, commit, .. } => match commit {
            Some(commit) => format!("git {url}#{commit}"),
            None => format!("git {url}"),
        },
        Source::Path { path, .. } => format!("path {path}"),
        Source::Url { url } => format!("url {url}"),
        Source::Unknown => "unknown".to_owned(),
    }
}

/// The counts, one line.
fn summary_line(report: &DiffReport) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    for (n, what) in [
        (s.added, "added"),
        (s.removed, "removed"),
        (s.upgraded, "upgraded"),
        (s.downgraded, "downgraded"),
        (s.changed, "changed"),
        (s.source_changed, "moved to another source"),
    ] {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    let changes = if parts.is_empty() {
        "no package changes".to_owned()
    } else {
        parts.join(", ")
    };
    format!(
        "{} in {}; {}, {} resolved",
        changes,
        crate::count(s.lockfiles, "lockfile"),
        crate::count(s.new_findings, "new finding"),
        s.resolved_findings
    )
}

/// Lines for a terminal: per lockfile, one line per change and one per finding.
pub fn write_table<W: Write>(out: &mut W, report: &DiffReport) -> io::Result<()> {
    writeln!(
        out,
        "tollgate diff: {} → {}",
        escape_text(&report.base),
        escape_text(&report.head)
    )?;
    for lockfile in &report.lockfiles {
        // The policy only when the caller ran checks under one (`lockfiles[].policy`).
        let policy = policy_label(lockfile)
            .map(|policy| format!(", policy {}", escape_text(&policy)))
            .unwrap_or_default();
        writeln!(
            out,
            "\n{} ({}, {}{policy})",
            escape_text(&lockfile.path),
            lockfile.ecosystem,
            lockfile.status.as_str()
        )?;
        for change in &lockfile.changes {
            writeln!(
                out,
                "  {:<14} {} {}",
                change.kind.as_str(),
                escape_text(&change.name),
                escape_text(&versions(change))
            )?;
            if change.source_changed
                && let (Some(old), Some(new)) = (&change.old_source, &change.new_source)
            {
                writeln!(
                    out,
                    "      source: {} → {}",
                    escape_text(&source_label(old)),
                    escape_text(&source_label(new))
                )?;
            }
            for finding in &change.new_findings {
                writeln!(out, "      + {}", finding_text(finding))?;
            }
            for finding in &change.resolved_findings {
                writeln!(out, "      - resolved: {}", finding_text(finding))?;
            }
            if let Some(code) = &change.install_code {
                let old = code.old_verdict.map_or("none", |v| v.as_str());
                writeln!(
                    out,
                    "      install-time code: {old} → {} (score {})",
                    code.new_verdict.as_str(),
                    code.new_score
                )?;
                for hook in &code.new_hooks {
                    writeln!(out, "        new hook: {}", escape_text(&hook_label(hook)))?;
                }
                for reason in &code.new_reasons {
                    writeln!(
                        out,
                        "        new reason: {} {}:{} {}",
                        escape_text(&reason.rule),
                        escape_text(&reason.file),
                        reason.line,
                        escape_text(&reason.why)
                    )?;
                }
                for file in &code.files {
                    writeln!(
                        out,
                        "        {} {}:",
                        file.status.as_str(),
                        escape_text(&file.path)
                    )?;
                    for line in file.diff.lines() {
                        writeln!(out, "          {}", escape_text(line))?;
                    }
                }
            }
        }
    }
    writeln!(out, "\n{}", summary_line(report))?;
    for note in &report.notes {
        writeln!(out, "note: {}", escape_text(note))?;
    }
    for warning in &report.warnings {
        writeln!(out, "warning: {}", escape_text(&warning.to_string()))?;
    }
    for error in &report.errors {
        writeln!(out, "error: {}", escape_text(&error.to_string()))?;
    }
    Ok(())
}

/// The policy a lockfile's checks ran under and whose copy of it (`web/tollgate.toml at
/// main (3f2a9c1d0b4e)`); `None` when no checks ran.
fn policy_label(lockfile: &LockfileDiff) -> Option<String> {
    let policy = lockfile.policy.as_deref()?;
    Some(match &lockfile.policy_revision {
        Some(revision) => format!("{policy} at {revision}"),
        None => policy.to_owned(),
    })
}

/// The code of the warning that a policy file differs between the two revisions.
const POLICY_CHANGED: &str = "policy-changed";

fn finding_text(finding: &Finding) -> String {
    let id = finding
        .id
        .as_deref()
        .map(|id| format!(" {id}"))
        .unwrap_or_default();
    escape_text(&format!(
        "{} {}{id}: {}",
        severity_label(finding),
        finding.code,
        finding.summary
    ))
    .into_owned()
}

fn hook_label(hook: &tollgate_analysis::Hook) -> String {
    match &hook.command {
        Some(command) => format!("{}: {command}", hook.phase.as_str()),
        None => hook.phase.as_str().to_owned(),
    }
}

/// Writes the report as GitHub-flavoured Markdown below [`MAX_MARKDOWN_CHARS`]: when the
/// whole would not fit, as many changes as fit, and a note of how many were left out.
pub fn write_markdown<W: Write>(out: &mut W, report: &DiffReport) -> io::Result<()> {
    let total: usize = report.lockfiles.iter().map(|l| l.changes.len()).sum();
    let full = render(report, total);
    if full.chars().count() < MAX_MARKDOWN_CHARS {
        return out.write_all(full.as_bytes());
    }
    // The largest number of changes that fits (the length grows with it).
    let (mut low, mut high) = (0, total);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if render(report, mid).chars().count() < MAX_MARKDOWN_CHARS {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    out.write_all(render(report, low).as_bytes())
}

/// Whether a change gets a `<details>` block: something beyond the version moved.
fn has_details(change: &PackageChange) -> bool {
    !change.new_findings.is_empty()
        || !change.resolved_findings.is_empty()
        || change.source_changed
        || change.license.is_some()
        || change.provenance.is_some()
        || change.install_code.is_some()
}

/// The Markdown with at most `limit` changes.
fn render(report: &DiffReport, limit: usize) -> String {
    let mut out = String::new();
    out.push_str("## tollgate diff\n\n");
    out.push_str(&format!(
        "`{}` → `{}`: {}\n\n",
        code_span(&report.base),
        code_span(&report.head),
        escape(&summary_line(report))
    ));
    let changes: Vec<(&str, &PackageChange)> = report
        .lockfiles
        .iter()
        .flat_map(|l| l.changes.iter().map(move |c| (l.path.as_str(), c)))
        .collect();
    let shown = &changes[..limit.min(changes.len())];
    if !shown.is_empty() {
        out.push_str("| lockfile | change | package | version | new findings | resolved |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for (path, change) in shown {
            let worst = change
                .new_findings
                .iter()
                .map(|f| f.severity)
                .max()
                .map(|s| format!(" (worst: {s})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | {} | `{}` | {} | {}{} | {} |\n",
                code_span(path),
                change.kind.as_str(),
                code_span(&change.name),
                escape(&versions(change)),
                change.new_findings.len(),
                worst,
                change.resolved_findings.len()
            ));
        }
        out.push('\n');
    }
    policy_section(&mut out, report, shown, limit);
    for (path, change) in shown.iter().filter(|(_, c)| has_details(c)) {
        details(&mut out, path, change);
    }
    let left = changes.len() - shown.len();
    if left > 0 {
        out.push_str(&format!(
            "_{left} more changes not shown (GitHub's comment size limit): the full report is \
             `tollgate diff --format json` or `--output FILE`._\n\n"
        ));
    }
    for note in &report.notes {
        out.push_str(&format!("> **Note:** {}\n\n", escape(note)));
    }
    // The policy-changed warnings are in the policy section.
    let warnings: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.code.as_deref() != Some(POLICY_CHANGED))
        .collect();
    let errors: Vec<_> = report.errors.iter().collect();
    for (label, items) in [("Warnings", &warnings), ("Errors", &errors)] {
        if !items.is_empty() {
            out.push_str(&format!("### {label}\n\n"));
            for item in items.iter().take(limit.max(1)) {
                out.push_str(&format!("- {}\n", escape(&item.to_string())));
            }
            out.push('\n');
        }
    }
    out
}

/// Which policy file, at which revision, the shown lockfiles were checked under (one line
/// per policy, listing its lockfiles), then each `policy-changed` warning: a reviewer
/// should see both the policy applied and that the change edits a policy.
fn policy_section(
    out: &mut String,
    report: &DiffReport,
    shown: &[(&str, &PackageChange)],
    limit: usize,
) {
    let mut lines: Vec<(String, Vec<&str>)> = Vec::new();
    for lockfile in &report.lockfiles {
        if !shown.iter().any(|(path, _)| *path == lockfile.path) {
            continue;
        }
        let Some(label) = policy_label(lockfile) else {
            continue;
        };
        match lines.iter_mut().find(|(l, _)| *l == label) {
            Some((_, paths)) => paths.push(&lockfile.path),
            None => lines.push((label, vec![&lockfile.path])),
        }
    }
    let changed: Vec<_> = report
        .warnings
        .iter()
        .filter(|w| w.code.as_deref() == Some(POLICY_CHANGED))
        // Bounded like the other warnings, so that the size cap holds.
        .take(limit.max(1))
        .collect();
    if lines.is_empty() && changed.is_empty() {
        return;
    }
    out.push_str("### Policy\n\n");
    for (label, paths) in &lines {
        let paths: Vec<String> = paths
            .iter()
            .map(|p| format!("`{}`", code_span(p)))
            .collect();
        out.push_str(&format!(
            "- `{}` for {}\n",
            code_span(label),
            paths.join(", ")
        ));
    }
    for warning in changed {
        out.push_str(&format!(
            "- **policy changed:** `{}`: {}\n",
            code_span(&warning.path),
            escape(&warning.message)
        ));
    }
    out.push('\n');
}

/// One collapsed block: the findings, the source, license and provenance moves, the code
/// verdict.
fn details(out: &mut String, path: &str, change: &PackageChange) {
    let kind = if change.kind == ChangeKind::SourceChanged {
        "source changed".to_owned()
    } else {
        change.kind.as_str().to_owned()
    };
    out.push_str(&format!(
        "<details><summary><code>{}</code> {} ({}, <code>{}</code>): {} new, {} resolved</summary>\n\n",
        html(&change.name),
        html(&versions(change)),
        kind,
        html(path),
        change.new_findings.len(),
        change.resolved_findings.len()
    ));
    for finding in &change.new_findings {
        out.push_str(&format!("- **new** {}\n", finding_line(finding)));
    }
    for finding in &change.resolved_findings {
        out.push_str(&format!("- resolved: {}\n", finding_line(finding)));
    }
    if change.source_changed
        && let (Some(old), Some(new)) = (&change.old_source, &change.new_source)
    {
        out.push_str(&format!(
            "- source: `{}` → `{}`\n",
            code_span(&source_label(old)),
            code_span(&source_label(new))
        ));
    }
    if let Some(license) = &change.license {
        out.push_str(&format!(
            "- license: `{}` → `{}`\n",
            code_span(&license.old),
            code_span(&license.new)
        ));
    }
    if let Some(provenance) = &change.provenance {
        out.push_str(&format!(
            "- provenance: {} → {}\n",
            provenance.old.describe(),
            provenance.new.describe()
        ));
    }
    if let Some(code) = &change.install_code {
        out.push_str(&format!(
            "- install-time code: {} → **{}** (score {})\n",
            code.old_verdict.map_or("none", |v| v.as_str()),
            code.new_verdict.as_str(),
            code.new_score
        ));
        for hook in &code.new_hooks {
            out.push_str(&format!(
                "  - new hook: `{}`\n",
                code_span(&hook_label(hook))
            ));
        }
        for reason in &code.new_reasons {
            out.push_str(&format!(
                "  - new reason: `{}` at `{}:{}`: {}\n",
                code_span(&reason.rule),
                code_span(&reason.file),
                reason.line,
                escape(&reason.why)
            ));
        }
        for file in &code.files {
            out.push_str(&format!(
                "  - {} `{}`:\n\n",
                file.status.as_str(),
                code_span(&file.path)
            ));
            fenced_diff(out, &file.diff);
        }
    }
    out.push_str("\n</details>\n\n");
}

/// A fenced `diff` block whose fence is longer than any run of backticks in the text, so
/// that the text cannot close it; control characters made visible line by line.
fn fenced_diff(out: &mut String, diff: &str) {
    let longest = diff.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    out.push_str(&format!("{fence}diff\n"));
    for line in diff.lines() {
        out.push_str(&escape_text(line));
        out.push('\n');
    }
    out.push_str(&fence);
    out.push_str("\n\n");
}

/// `high` `vulnerability` [GHSA-…](url): summary
fn finding_line(finding: &Finding) -> String {
    let id = finding.id.as_deref().unwrap_or_default();
    let advisory = match (&finding.url, id.is_empty()) {
        (_, true) => String::new(),
        (Some(url), false) => format!(" [{}]({})", escape(id), url.replace(')', "%29")),
        (None, false) => format!(" {}", escape(id)),
    };
    format!(
        "{} `{}`{advisory}: {}",
        escape(&severity_label(finding)),
        code_span(&finding.code),
        escape(&finding.summary)
    )
}

/// Text for inside HTML (`<summary>`): control characters visible, markup characters as
/// entities.
fn html(text: &str) -> String {
    escape_text(text)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "&#124;")
}
