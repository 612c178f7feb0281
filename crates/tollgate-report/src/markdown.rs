//! Markdown output (a pull-request comment or a job summary).

use std::io::{self, Write};

use crate::findings::{ScanReport, location, package_label};

/// GitHub rejects comments of 65,536 characters or more; the report stays below with
/// room for a wrapper's own text.
pub const MAX_MARKDOWN_CHARS: usize = 60_000;

/// Writes the report as GitHub-flavoured Markdown: a summary line, a findings table, then
/// notes, warnings and errors. A report that would exceed [`MAX_MARKDOWN_CHARS`] keeps
/// the summary and as many rows as fit, and says how many were left out and where the
/// full report is.
pub fn write_markdown<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    let longest = report
        .findings
        .len()
        .max(report.warnings.len())
        .max(report.errors.len());
    let full = render(report, longest)?;
    if full.chars().count() < MAX_MARKDOWN_CHARS {
        return out.write_all(full.as_bytes());
    }
    // The largest row limit that fits (rendering is monotonic in the limit).
    let (mut low, mut high) = (0, longest);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if render(report, mid)?.chars().count() < MAX_MARKDOWN_CHARS {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    out.write_all(render(report, low)?.as_bytes())
}

/// The Markdown with at most `limit` findings, warnings and errors each.
fn render(report: &ScanReport, limit: usize) -> io::Result<String> {
    let mut out = Vec::new();
    write_limited(&mut out, report, limit)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

fn omitted(out: &mut impl Write, count: usize, what: &str) -> io::Result<()> {
    if count > 0 {
        writeln!(
            out,
            "\n_{count} more {what} not shown (GitHub's comment size limit): the full report is \
             `tollgate scan --format json` or `--output FILE`._"
        )?;
    }
    Ok(())
}

fn write_limited<W: Write>(out: &mut W, report: &ScanReport, limit: usize) -> io::Result<()> {
    writeln!(out, "## tollgate scan\n")?;
    writeln!(out, "{}\n", report.summary_line())?;
    if !report.findings.is_empty() {
        writeln!(
            out,
            "| severity | code | package | advisory | fix | location | summary |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for finding in report.findings.iter().take(limit) {
            let id = finding.id.as_deref().unwrap_or_default();
            let advisory = match &finding.url {
                Some(url) => format!("[{}]({})", escape(id), url.replace(')', "%29")),
                None => escape(id),
            };
            let advisory = if finding.aliases.is_empty() {
                advisory
            } else {
                format!("{advisory} ({})", escape(&finding.aliases.join(", ")))
            };
            writeln!(
                out,
                "| {} | {} | `{}` | {} | {} | `{}` | {} |",
                crate::findings::severity_label(finding),
                finding.code,
                code_span(&package_label(finding)),
                advisory,
                escape(finding.fixed.as_deref().unwrap_or("")),
                code_span(&location(finding)),
                escape(&finding.summary)
            )?;
        }
        omitted(out, report.findings.len().saturating_sub(limit), "findings")?;
        writeln!(out)?;
    }
    for note in &report.advisories.notes {
        writeln!(out, "> **Note:** {}\n", escape(note))?;
    }
    for (policy, lockfiles) in report.policies() {
        writeln!(
            out,
            "Policy `{}` applies to {}.\n",
            escape(policy),
            escape(&lockfiles.join(", "))
        )?;
    }
    for (label, items) in [("Warnings", &report.warnings), ("Errors", &report.errors)] {
        if !items.is_empty() {
            writeln!(out, "### {label}\n")?;
            for item in items.iter().take(limit) {
                match &item.code {
                    Some(code) => writeln!(out, "- `{code}` {}", escape(&item.to_string()))?,
                    None => writeln!(out, "- {}", escape(&item.to_string()))?,
                }
            }
            omitted(
                out,
                items.len().saturating_sub(limit),
                &label.to_lowercase(),
            )?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Text for inside a `code span`: visible control characters, no backticks or pipes.
pub(crate) fn code_span(text: &str) -> String {
    tollgate_model::escape_text(text)
        .replace('`', "'")
        .replace('|', "\\|")
}

/// Escapes the characters that would break a table cell or start Markdown markup, after
/// making control characters visible (`tollgate_model::escape_text`).
pub(crate) fn escape(text: &str) -> String {
    let text = tollgate_model::escape_text(text);
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\n' | '\r' => escaped.push(' '),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::tests::sample_report;

    #[test]
    fn a_huge_report_stays_below_the_comment_limit() {
        let mut report = sample_report();
        let one = report.findings[1].clone();
        report.findings = vec![one; 5000];
        let mut out = Vec::new();
        write_markdown(&mut out, &report).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.chars().count() < MAX_MARKDOWN_CHARS, "{}", text.len());
        assert!(text.contains("5000 findings"), "the summary is kept");
        assert!(text.contains("more findings not shown"), "and the pointer");
    }

    #[test]
    fn table_rows_escape_markup() {
        let mut out = Vec::new();
        write_markdown(&mut out, &sample_report()).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("| critical | malicious | `chrono_anchor 0.1.0` | [RUSTSEC-2026-0039](https://rustsec.org/advisories/RUSTSEC-2026-0039.html) |"), "{text}");
        assert!(text.contains("\\`chrono\\_anchor\\` was removed"), "{text}");
        assert!(
            text.contains("(CVE-2020-26235, GHSA-wcg3-cvx6-7396)"),
            "{text}"
        );
    }
}
