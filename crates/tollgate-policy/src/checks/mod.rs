//! The policy checks. Each one reads the inventory and its section of the [`Config`] and
//! returns model [`Finding`]s whose `code` is stable (documented in `docs/checks.md`),
//! whose `id` names the rule that fired, and whose evidence points at the lockfile line
//! and at the policy line of that rule.

pub mod bans;
pub mod cooldown;
pub mod hashes;
pub mod install_scripts;
pub mod licenses;
pub mod names;
pub mod provenance;
pub mod sources;

use tollgate_model::{Evidence, Finding, Lockfile, Package};

use crate::config::{Config, Level};

/// One package in its lockfile: what every per-package check iterates over.
#[derive(Debug, Clone, Copy)]
pub struct Locked<'a> {
    /// The lockfile.
    pub lockfile: &'a Lockfile,
    /// The package.
    pub package: &'a Package,
}

/// Every package of every lockfile, in order.
pub fn locked(inventory: &tollgate_lockfile::Inventory) -> impl Iterator<Item = Locked<'_>> {
    inventory.lockfiles.iter().flat_map(|lockfile| {
        lockfile
            .packages
            .iter()
            .map(move |package| Locked { lockfile, package })
    })
}

/// Where in the policy a rule is: for evidence.
#[derive(Debug, Clone, Copy)]
pub struct RuleRef<'a> {
    /// The rule id reported as the finding's `id` (`bans.deny`, `sources.git`, ...).
    pub id: &'a str,
    /// Its line in the policy file, when it is written there (defaults have none).
    pub line: Option<u32>,
}

/// Builds a package finding at `level` (`None` when the level is `allow`), with the
/// lockfile line and the policy rule as evidence.
pub fn package_finding(
    code: &str,
    level: Level,
    locked: Locked<'_>,
    config: &Config,
    rule: RuleRef<'_>,
    summary: String,
) -> Option<Finding> {
    let severity = level.severity()?;
    let package = locked.package;
    let mut finding = Finding::for_package(code, severity, package, &locked.lockfile.path, summary);
    finding.id = Some(rule.id.to_owned());
    finding.evidence.push(Evidence {
        path: locked.lockfile.path.clone(),
        line: package.line,
        snippet: Some(format!("{}@{}", package.name, package.version)),
        note: Some("the locked package".into()),
    });
    finding.evidence.push(policy_evidence(config, rule));
    Some(finding)
}

/// Evidence pointing at the policy rule that fired.
pub fn policy_evidence(config: &Config, rule: RuleRef<'_>) -> Evidence {
    let note = if rule.line.is_some() {
        format!("policy rule `{}`", rule.id)
    } else {
        format!("policy rule `{}` (built-in default)", rule.id)
    };
    Evidence {
        path: config.path.clone(),
        line: rule.line,
        snippet: None,
        note: Some(note),
    }
}
