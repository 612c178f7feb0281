//! Markdown output (a pull-request comment or a job summary).

use std::io::{self, Write};

use crate::findings::{ScanReport, location, package_label};

/// Writes the report as GitHub-flavoured Markdown: a summary line, a findings table, then
/// notes, warnings and errors.
pub fn write_markdown<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    writeln!(out, "## tollgate scan\n")?;
    writeln!(out, "{}\n", report.summary_line())?;
    if !report.findings.is_empty() {
        writeln!(
            out,
            "| severity | code | package | advisory | fix | location | summary |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for finding in &report.findings {
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
            for item in items {
                match &item.code {
                    Some(code) => writeln!(out, "- `{code}` {}", escape(&item.to_string()))?,
                    None => writeln!(out, "- {}", escape(&item.to_string()))?,
                }
            }
            writeln!(out)?;
        }
    }
    Ok(())
}

/// Text for inside a `code span`: visible control characters, no backticks or pipes.
fn code_span(text: &str) -> String {
    tollgate_model::escape_text(text)
        .replace('`', "'")
        .replace('|', "\\|")
}

/// Escapes the characters that would break a table cell or start Markdown markup, after
/// making control characters visible (`tollgate_model::escape_text`).
fn escape(text: &str) -> String {
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
