//! SARIF 2.1.0 output, as GitHub code scanning accepts it.
//!
//! One rule per advisory (or check) id, one result per finding, located at the lockfile
//! line of the package. `level` follows the severity (critical/high → error, medium →
//! warning, low/info → note) and each rule carries GitHub's `security-severity` property
//! so that code scanning ranks the alerts. Paths are written relative as given (GitHub
//! resolves them against the repository root); absolute paths become `file://` URIs.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::{Value, json};
use tollgate_model::{Finding, Severity};

use crate::findings::ScanReport;

/// The SARIF schema the output conforms to.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Writes the report as a SARIF 2.1.0 log.
pub fn write_sarif<W: Write>(out: &mut W, report: &ScanReport) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_log(report))?;
    writeln!(out)
}

/// The SARIF log as a JSON value.
pub fn sarif_log(report: &ScanReport) -> Value {
    let mut rule_index: BTreeMap<String, usize> = BTreeMap::new();
    let mut rules: Vec<Value> = Vec::new();
    let mut results: Vec<Value> = Vec::new();
    for finding in &report.findings {
        let rule_id = rule_id(finding);
        let index = *rule_index.entry(rule_id.clone()).or_insert_with(|| {
            rules.push(rule(&rule_id, finding));
            rules.len() - 1
        });
        results.push(result(&rule_id, index, finding));
    }
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|e| notification(&e.to_string(), "error"))
        .chain(
            report
                .advisories
                .notes
                .iter()
                .map(|n| notification(n, "warning")),
        )
        .chain(report.warnings.iter().map(|w| {
            let mut value = notification(&w.to_string(), "warning");
            if let Some(code) = &w.code {
                value["descriptor"] = json!({ "id": code });
            }
            value
        }))
        .collect();
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tollgate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }]
    })
}

fn rule_id(finding: &Finding) -> String {
    finding.id.clone().unwrap_or_else(|| finding.code.clone())
}

/// GitHub's `security-severity`: a CVSS-like number that code scanning buckets into
/// critical (>= 9.0), high (>= 7.0), medium (>= 4.0) and low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "2.0",
        Severity::Info => "0.0",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn rule(rule_id: &str, finding: &Finding) -> Value {
    let mut rule = json!({
        "id": rule_id,
        "name": finding.code,
        "shortDescription": { "text": finding.summary },
        "fullDescription": { "text": full_description(finding) },
        "defaultConfiguration": { "level": level(finding.severity) },
        "properties": {
            "tags": ["security", finding.code],
            "security-severity": security_severity(finding.severity),
        },
    });
    if let Some(url) = &finding.url {
        rule["helpUri"] = json!(url);
    }
    if let Some(what) = crate::checks_doc::description(&finding.code) {
        // A check's rule is the check, not the first package it fired on; an advisory's
        // rule keeps the advisory's own text and gets the code's meaning as help.
        if !ADVISORY_CODES.contains(&finding.code.as_str()) {
            rule["fullDescription"] = json!({ "text": what });
        }
        rule["help"] = json!({
            "text": format!("{}: {what} (docs/checks.md)", finding.code),
        });
    }
    rule
}

/// Codes whose rules are one advisory each (described by the advisory itself).
const ADVISORY_CODES: &[&str] = &[
    "vulnerability",
    "malicious",
    "unmaintained",
    "unsound",
    "notice",
];

fn full_description(finding: &Finding) -> String {
    if finding.aliases.is_empty() {
        finding.summary.clone()
    } else {
        format!(
            "{} (also known as {})",
            finding.summary,
            finding.aliases.join(", ")
        )
    }
}

fn result(rule_id: &str, rule_index: usize, finding: &Finding) -> Value {
    let mut message = format!(
        "{}: {}",
        crate::findings::package_label(finding),
        finding.summary
    );
    if finding.unscored {
        message.push_str(&format!(
            " Unscored: the advisory gives no score; treated as {}.",
            finding.severity
        ));
    }
    if let Some(affected) = &finding.affected {
        message.push_str(&format!(" Affected: {affected}."));
    }
    match &finding.fixed {
        Some(fixed) => message.push_str(&format!(" Fixed in {fixed}.")),
        None if finding.code == "vulnerability" => message.push_str(" No fixed version known."),
        None => {}
    }
    let mut location =
        json!({ "artifactLocation": { "uri": uri(finding.lockfile.as_deref().unwrap_or("")) } });
    if let Some(line) = finding.line {
        location["region"] = json!({ "startLine": line });
    }
    json!({
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": { "text": message },
        "locations": [{ "physicalLocation": location }],
        "partialFingerprints": {
            "tollgate/v1": format!("{rule_id}:{}", finding.purl.as_deref().unwrap_or_default()),
        },
        "properties": {
            "code": finding.code,
            "severity": finding.severity,
            "unscored": finding.unscored,
            "direct": finding.direct,
            "paths": finding.paths,
            "fix": finding.fix,
            "purl": finding.purl,
            "aliases": finding.aliases,
            "fixed": finding.fixed,
        },
    })
}

fn notification(text: &str, level: &str) -> Value {
    json!({ "level": level, "message": { "text": text } })
}

/// A relative path with `/` separators, or a `file://` URI for an absolute path; spaces,
/// `%` and `#` are percent-encoded (URI references may not contain them).
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut encoded = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            ' ' => encoded.push_str("%20"),
            '%' => encoded.push_str("%25"),
            '#' => encoded.push_str("%23"),
            other => encoded.push(other),
        }
    }
    if encoded.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded.trim_start_matches("./").to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::tests::sample_report;

    #[test]
    fn check_rules_are_described_by_docs_checks_md() {
        let package =
            tollgate_model::Package::new(tollgate_model::Ecosystem::Npm, "left-pad", "1.0.0");
        let finding = Finding::for_package(
            "bans",
            Severity::High,
            &package,
            "package-lock.json",
            "left-pad is banned: no".to_owned(),
        );
        let rule = rule("bans.deny", &finding);
        assert_eq!(rule["fullDescription"]["text"], "A denied package");
        assert_eq!(
            rule["help"]["text"],
            "bans: A denied package (docs/checks.md)"
        );
        assert_eq!(rule["shortDescription"]["text"], "left-pad is banned: no");
    }

    #[test]
    fn results_point_at_lockfile_lines_and_rules() {
        let log = sarif_log(&sample_report());
        assert_eq!(log["version"], "2.1.0");
        let run = &log["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 2);
        let first = &run["results"][0];
        assert_eq!(first["ruleId"], "RUSTSEC-2026-0039");
        assert_eq!(first["level"], "error");
        let location = &first["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uri"], "Cargo.lock");
        assert_eq!(location["region"]["startLine"], 5);
        assert_eq!(
            run["tool"]["driver"]["rules"][0]["properties"]["security-severity"],
            "9.5"
        );
        assert!(
            run["results"][1]["message"]["text"]
                .as_str()
                .unwrap()
                .ends_with("Fixed in 0.2.23.")
        );
    }

    #[test]
    fn uris_are_relative_or_file_uris() {
        assert_eq!(uri("./a b/Cargo.lock"), "a%20b/Cargo.lock");
        assert_eq!(uri("/abs/Cargo.lock"), "file:///abs/Cargo.lock");
    }
}
