//! `bans`: packages the policy denies (`[[bans.deny]]`), and in allow-list mode
//! (`[[bans.allow]]` entries for an ecosystem) every package of that ecosystem not listed.

use tollgate_model::Finding;

use super::{Locked, RuleRef, locked, package_finding};
use crate::config::Config;

/// Diagnostic code of a denied package.
pub const CODE_DENIED: &str = "bans";
/// Diagnostic code of a package missing from an allow-list.
pub const CODE_NOT_ALLOWED: &str = "bans-not-allowed";

/// Runs the check over every locked package.
pub fn check(inventory: &tollgate_lockfile::Inventory, config: &Config) -> Vec<Finding> {
    locked(inventory)
        .flat_map(|entry| check_package(entry, config))
        .collect()
}

fn check_package(entry: Locked<'_>, config: &Config) -> Vec<Finding> {
    let bans = &config.bans;
    let mut findings: Vec<Finding> = bans
        .deny
        .iter()
        .filter(|ban| ban.rule.matches(entry.package))
        .filter_map(|ban| {
            let mut summary = format!(
                "{} {} is banned by the policy (`{}`)",
                entry.package.name,
                entry.package.version,
                ban.rule.describe()
            );
            if let Some(reason) = &ban.reason {
                summary.push_str(&format!(": {reason}"));
            }
            if let Some(instead) = &ban.use_instead {
                summary.push_str(&format!("; use {instead} instead"));
            }
            let rule = RuleRef {
                id: "bans.deny",
                line: Some(ban.rule.line),
            };
            package_finding(CODE_DENIED, bans.level, entry, config, rule, summary)
        })
        .collect();
    let ecosystem = entry.package.ecosystem;
    let allow_list: Vec<_> = bans
        .allow
        .iter()
        .filter(|rule| rule.ecosystem.is_none_or(|e| e == ecosystem))
        .collect();
    if let Some(first) = allow_list.first()
        && !allow_list.iter().any(|rule| rule.matches(entry.package))
    {
        let summary = format!(
            "{} {} is not on the {ecosystem} allow-list (`[[bans.allow]]`)",
            entry.package.name, entry.package.version
        );
        let rule = RuleRef {
            id: "bans.allow",
            line: Some(first.line),
        };
        findings.extend(package_finding(
            CODE_NOT_ALLOWED,
            bans.level,
            entry,
            config,
            rule,
            summary,
        ));
    }
    findings
}
