//! The `[trust]` policy check of `tollgate scan` and `tollgate policy`: a locked package
//! without the required audits is `trust-unaudited`, a locked version an audit records as
//! a violation is `trust-violation`.
//!
//! Unset levels follow the project: with a store directory (cargo-vet's `supply-chain/`
//! beside the policy file), unaudited packages are warnings and violations errors, as
//! `cargo vet` would fail on them; without one the check is off, so projects that do not
//! keep audits see nothing. A level set in `tollgate.toml` with no store is an error.

use std::path::{Path, PathBuf};

use tollgate_lockfile::Inventory;
use tollgate_model::{Evidence, Finding};
use tollgate_policy::checks::{Locked, RuleRef, locked, package_finding};
use tollgate_policy::{Config, Level};

use crate::error::Error;
use crate::evaluate::{Options, evaluate};
use crate::report::{Report, Step, Verdict};
use crate::store::Store;

/// Diagnostic code of a package without the required audits.
pub const CODE_UNAUDITED: &str = "trust-unaudited";
/// Diagnostic code of a locked version covered by a violation entry.
pub const CODE_VIOLATION: &str = "trust-violation";

/// `[trust]` resolved for one project.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The store directory.
    pub store: PathBuf,
    /// Level of `trust-unaudited`.
    pub level: Level,
    /// Level of `trust-violation`.
    pub violation: Level,
    /// The required criteria.
    pub options: Options,
}

impl Settings {
    /// Resolves `[trust]` of `config`. The store is relative to the policy file's
    /// directory, or to `root` (the scanned directory) for the built-in policy.
    pub fn resolve(config: &Config, root: &Path) -> Settings {
        let policy_file = Path::new(&config.path);
        let base = match policy_file.parent() {
            Some(dir) if policy_file.is_file() => dir,
            _ => root,
        };
        let trust = &config.trust;
        let store = base.join(trust.store.as_deref().unwrap_or(crate::DEFAULT_STORE_DIR));
        let exists = store.is_dir();
        let origin = match trust.line {
            Some(line) => format!("{}:{line}", config.path),
            None => config.path.clone(),
        };
        Settings {
            level: trust
                .level
                .unwrap_or(if exists { Level::Warn } else { Level::Allow }),
            violation: trust
                .violation
                .unwrap_or(if exists { Level::Deny } else { Level::Allow }),
            options: Options {
                criteria: trust.criteria.clone(),
                dev_criteria: trust.dev_criteria.clone(),
                origin,
            },
            store,
        }
    }

    /// Whether the check runs.
    pub fn active(&self) -> bool {
        self.level != Level::Allow || self.violation != Level::Allow
    }
}

/// Runs the check: loads the store, evaluates the inventory, reports findings. A store
/// that cannot be read is an error, not a silent pass.
pub fn findings(
    inventory: &Inventory,
    config: &Config,
    root: &Path,
) -> Result<Vec<Finding>, Error> {
    let settings = Settings::resolve(config, root);
    if !settings.active() {
        return Ok(Vec::new());
    }
    let store = Store::load(&settings.store)?;
    let report = evaluate(&store, inventory, &settings.options)?;
    Ok(report_findings(inventory, config, &settings, &report))
}

/// One finding per lockfile entry of every package that is not vetted.
fn report_findings(
    inventory: &Inventory,
    config: &Config,
    settings: &Settings,
    report: &Report,
) -> Vec<Finding> {
    let results = report.by_entry();
    locked(inventory)
        .filter_map(|entry| {
            let package = entry.package;
            let key = (
                entry.lockfile.path.as_str(),
                package.line,
                package.name.as_str(),
                package.version.as_str(),
            );
            let result = results.get(&key)?;
            let required = result.required.join(", ");
            let label = format!("{} {}", result.name, result.version);
            match &result.verdict {
                Verdict::Vetted { .. } | Verdict::NotRequired { .. } => None,
                Verdict::Violation { evidence } => {
                    let summary = format!(
                        "{label} is recorded as failing {} by a violation entry",
                        evidence_criteria(evidence)
                    );
                    let rule = rule(config, "trust.violation");
                    finding(
                        CODE_VIOLATION,
                        settings.violation,
                        entry,
                        config,
                        rule,
                        summary,
                        evidence,
                    )
                }
                Verdict::Unvetted {
                    found,
                    nearest,
                    suggestion,
                    notes,
                } => {
                    let found = if found.is_empty() {
                        "no criteria".to_owned()
                    } else {
                        found.join(", ")
                    };
                    let mut summary =
                        format!("{label} is not vetted for {required} (vetted for: {found})");
                    if let Some(suggestion) = suggestion {
                        summary.push_str(&format!("; {suggestion}"));
                    }
                    for note in notes {
                        summary.push_str(&format!("; {note}"));
                    }
                    let evidence: Vec<Step> = nearest
                        .iter()
                        .flat_map(|nearby| nearby.evidence.iter().cloned())
                        .collect();
                    let rule = rule(config, "trust.criteria");
                    finding(
                        CODE_UNAUDITED,
                        settings.level,
                        entry,
                        config,
                        rule,
                        summary,
                        &evidence,
                    )
                }
            }
        })
        .collect()
}

fn rule<'a>(config: &Config, id: &'a str) -> RuleRef<'a> {
    RuleRef {
        id,
        line: config.trust.line,
    }
}

fn evidence_criteria(steps: &[Step]) -> String {
    let mut criteria: Vec<&str> = steps
        .iter()
        .flat_map(|step| step.criteria.iter().map(String::as_str))
        .collect();
    criteria.dedup();
    criteria.join(", ")
}

/// A finding with the lockfile line, the policy line, and every store entry as evidence.
fn finding(
    code: &str,
    level: Level,
    entry: Locked<'_>,
    config: &Config,
    rule: RuleRef<'_>,
    summary: String,
    steps: &[Step],
) -> Option<Finding> {
    let mut finding = package_finding(code, level, entry, config, rule, summary)?;
    finding.evidence.extend(steps.iter().map(|step| Evidence {
        path: step.path.clone(),
        line: Some(step.line),
        snippet: None,
        note: Some(step.to_string()),
    }));
    Some(finding)
}
