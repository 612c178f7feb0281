//! Advisory ignores: `tollgate.toml`'s `[[advisories.ignore]]` entries, applied to findings.
//!
//! An ignore names an advisory id (or any of its aliases), says why, and may expire: an
//! accepted risk is re-examined on a date. Once expired, the ignore stops hiding the
//! advisory and is itself reported as an `expired-ignore` finding. An ignore without a
//! date, and one that matched nothing, is returned for the report to list. Parsing the
//! configuration belongs to the policy crate; this module is the pure rule.

use jiff::civil::Date;
use tollgate_model::{Evidence, Finding, Severity};

/// One ignore entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// The advisory id or alias to ignore.
    pub id: String,
    /// Why the advisory does not apply or is accepted.
    pub reason: String,
    /// The last day the ignore applies (inclusive); `None`: never expires.
    pub expires: Option<Date>,
    /// The line of the entry in the configuration file, when known.
    pub line: Option<u32>,
}

impl IgnoreRule {
    fn live(&self, today: Date) -> bool {
        self.expires.is_none_or(|expires| expires >= today)
    }
}

/// The findings left after applying ignores.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IgnoreOutcome {
    /// Findings not ignored, plus one `expired-ignore` finding per expired rule.
    pub kept: Vec<Finding>,
    /// Findings hidden by a live ignore, with the rule's id.
    pub ignored: Vec<(Finding, String)>,
    /// Live rules that hid nothing (a typo, or an advisory no longer present).
    pub unmatched: Vec<IgnoreRule>,
}

/// Applies `rules` (read from `config_path`) to `findings` as of `today`.
pub fn apply_ignores(
    findings: Vec<Finding>,
    rules: &[IgnoreRule],
    today: Date,
    config_path: &str,
) -> IgnoreOutcome {
    let mut outcome = IgnoreOutcome::default();
    for finding in findings {
        let live_rule = rules
            .iter()
            .find(|rule| rule.live(today) && names(&finding, &rule.id));
        match live_rule {
            Some(rule) => outcome.ignored.push((finding, rule.id.clone())),
            None => outcome.kept.push(finding),
        }
    }
    for rule in rules {
        if !rule.live(today) {
            outcome.kept.push(expired_finding(rule, config_path));
        } else if !outcome.ignored.iter().any(|(_, id)| *id == rule.id) {
            outcome.unmatched.push(rule.clone());
        }
    }
    outcome
}

fn expiry(rule: &IgnoreRule) -> String {
    rule.expires
        .map_or_else(|| "never".to_owned(), |date| date.to_string())
}

/// Whether `finding` is the advisory `id` (by its main id or an alias).
fn names(finding: &Finding, id: &str) -> bool {
    finding.id.as_deref() == Some(id) || finding.aliases.iter().any(|alias| alias == id)
}

fn expired_finding(rule: &IgnoreRule, config_path: &str) -> Finding {
    Finding {
        code: "expired-ignore".to_owned(),
        severity: Severity::Low,
        ecosystem: None,
        name: None,
        version: None,
        purl: None,
        lockfile: Some(config_path.to_owned()),
        line: rule.line,
        id: Some(rule.id.clone()),
        aliases: Vec::new(),
        summary: format!(
            "the ignore for {} expired on {}; the advisory is reported again (reason given: {})",
            rule.id,
            expiry(rule),
            rule.reason
        ),
        fixed: None,
        affected: None,
        url: None,
        paths: Vec::new(),
        direct: None,
        fix: None,
        unscored: false,
        evidence: vec![Evidence {
            path: config_path.to_owned(),
            line: rule.line,
            snippet: Some(format!("id = \"{}\", expires = {}", rule.id, expiry(rule))),
            note: Some("renew the ignore with a new date or remove it".to_owned()),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::{Ecosystem, Package};

    fn finding(id: &str, aliases: &[&str]) -> Finding {
        let package = Package::new(Ecosystem::CratesIo, "a", "1.0.0");
        let mut finding = Finding::for_package(
            "vulnerability",
            Severity::High,
            &package,
            "Cargo.lock",
            "bad",
        );
        finding.id = Some(id.to_owned());
        finding.aliases = aliases.iter().map(|a| (*a).to_owned()).collect();
        finding
    }

    fn rule(id: &str, expires: Date) -> IgnoreRule {
        IgnoreRule {
            id: id.to_owned(),
            reason: "not reachable".to_owned(),
            expires: Some(expires),
            line: Some(3),
        }
    }

    #[test]
    fn live_rule_hides_by_id_or_alias() {
        let today = jiff::civil::date(2026, 1, 10);
        let findings = vec![
            finding("RUSTSEC-1", &["CVE-1"]),
            finding("GHSA-2", &[]),
            finding("X-3", &[]),
        ];
        let rules = [
            rule("CVE-1", today),
            rule("GHSA-2", jiff::civil::date(2027, 1, 1)),
        ];
        let outcome = apply_ignores(findings, &rules, today, "tollgate.toml");
        assert_eq!(outcome.ignored.len(), 2, "expiry day itself still ignores");
        assert_eq!(outcome.kept.len(), 1);
        assert_eq!(outcome.kept[0].id.as_deref(), Some("X-3"));
    }

    #[test]
    fn expired_rule_is_reported_and_hides_nothing() {
        let today = jiff::civil::date(2026, 1, 10);
        let rules = [rule("RUSTSEC-1", jiff::civil::date(2026, 1, 9))];
        let outcome = apply_ignores(
            vec![finding("RUSTSEC-1", &[])],
            &rules,
            today,
            "tollgate.toml",
        );
        assert!(outcome.ignored.is_empty());
        let codes: Vec<&str> = outcome.kept.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["vulnerability", "expired-ignore"]);
        assert!(outcome.kept[1].summary.contains("2026-01-09"));
    }
}
