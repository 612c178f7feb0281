//! Advisory ignores, applied by the pipeline ([`crate::pipeline::check`]): the
//! `[advisories] ignore` entries of the policy that applies to a lockfile, plus `--ignore ID` from the command line (for every lockfile,
//! never expiring). Every ignore without an expiry date is listed in the report's notes,
//! and an ignore that hid nothing is reported (a typo, or an advisory that went away),
//! so an ignore list cannot silently rot.

use std::collections::BTreeSet;

use tollgate_advisory::{IgnoreRule, apply_ignores};
use tollgate_model::Finding;
use tollgate_policy::Config;

/// How a command-line ignore is named in notes.
const COMMAND_LINE: &str = "--ignore";

/// What applying the ignores of one policy left.
#[derive(Debug, Default)]
pub struct Applied {
    /// The findings no live ignore hid (plus `expired-ignore` findings).
    pub kept: Vec<Finding>,
    /// The findings a live ignore hid, each with the ignore's reason.
    pub ignored: Vec<(Finding, String)>,
    /// The command-line ids that hid nothing here.
    pub unmatched: BTreeSet<String>,
}

/// Applies `config`'s ignores and the command-line `ids` to `findings` (the advisory
/// findings of the lockfiles under `config`). Notes go to `notes`. `subset`: the findings
/// are those of some packages only (`tollgate diff` checks the changed ones), so an
/// ignore that hid nothing says nothing about the rest and gets no "remove it" note.
pub fn apply(
    config: &Config,
    ids: &[String],
    findings: Vec<Finding>,
    subset: bool,
    notes: &mut Vec<String>,
) -> Applied {
    let mut rules: Vec<IgnoreRule> = config
        .advisories
        .ignore
        .iter()
        .map(|entry| IgnoreRule {
            id: entry.id.clone(),
            reason: entry.reason.clone(),
            expires: entry.expires,
            line: Some(entry.line),
        })
        .collect();
    rules.extend(ids.iter().map(|id| IgnoreRule {
        id: id.clone(),
        reason: "given on the command line".to_owned(),
        expires: None,
        line: None,
    }));
    if rules.is_empty() {
        return Applied {
            kept: findings,
            ..Applied::default()
        };
    }
    let origin = |rule: &IgnoreRule| match rule.line {
        Some(line) => format!("{}:{line}", config.path),
        None => COMMAND_LINE.to_owned(),
    };
    let today = jiff::Zoned::now().date();
    let outcome = apply_ignores(findings, &rules, today, &config.path);
    for (finding, rule) in &outcome.ignored {
        notes.push(format!(
            "{} in {} is ignored ({rule})",
            finding.id.as_deref().unwrap_or("an advisory"),
            finding.purl.as_deref().unwrap_or("a package"),
        ));
    }
    for rule in rules
        .iter()
        .filter(|r| r.line.is_some() && r.expires.is_none())
    {
        notes.push(format!(
            "the ignore for {} at {} never expires (reason: {}): add `expires = \"YYYY-MM-DD\"` to have it re-examined",
            rule.id,
            origin(rule),
            rule.reason
        ));
    }
    let mut unmatched_here = BTreeSet::new();
    for rule in &outcome.unmatched {
        if subset {
            continue;
        }
        if rule.line.is_some() {
            notes.push(format!(
                "the ignore for {} at {} matched no finding (a typo, or the advisory no longer applies): remove it",
                rule.id,
                origin(rule)
            ));
        } else {
            unmatched_here.insert(rule.id.clone());
        }
    }
    let ignored = outcome
        .ignored
        .into_iter()
        .map(|(finding, id)| {
            let reason = rules
                .iter()
                .find(|rule| rule.id == id)
                .map(|rule| rule.reason.clone())
                .unwrap_or_default();
            (finding, reason)
        })
        .collect();
    Applied {
        kept: outcome.kept,
        ignored,
        unmatched: unmatched_here,
    }
}

/// The notes for the command-line ignores: each is listed (it never expires), and one
/// that hid nothing under any policy is reported.
pub fn command_line_notes(ids: &[String], unmatched_everywhere: &BTreeSet<String>) -> Vec<String> {
    ids.iter()
        .map(|id| {
            if unmatched_everywhere.contains(id) {
                format!("{COMMAND_LINE} {id} matched no finding (a typo, or the advisory no longer applies)")
            } else {
                format!("{id} is ignored by {COMMAND_LINE} on the command line (no expiry)")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_policy::config::IgnoreEntry;

    /// An ignore that hid nothing is reported as unused over a whole inventory, and only
    /// listed over a subset (`tollgate diff`'s changed packages).
    #[test]
    fn an_unused_ignore_is_reported_only_over_the_whole_inventory() {
        let mut config = Config {
            path: "tollgate.toml".to_owned(),
            ..Config::default()
        };
        config.advisories.ignore.push(IgnoreEntry {
            id: "GHSA-elsewhere".to_owned(),
            reason: "not reachable".to_owned(),
            expires: None,
            line: 3,
        });
        let ids = ["GHSA-cli".to_owned()];
        let mut whole = Vec::new();
        let applied = apply(&config, &ids, Vec::new(), false, &mut whole);
        assert!(
            whole.iter().any(|n| n.contains("matched no finding")),
            "{whole:?}"
        );
        assert!(applied.unmatched.contains("GHSA-cli"));
        let mut subset = Vec::new();
        let applied = apply(&config, &ids, Vec::new(), true, &mut subset);
        assert!(
            subset.iter().all(|n| !n.contains("matched no finding")),
            "{subset:?}"
        );
        assert!(
            subset.iter().any(|n| n.contains("never expires")),
            "{subset:?}"
        );
        assert!(applied.unmatched.is_empty());
    }
}
