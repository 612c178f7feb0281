//! The one checking stage: an inventory, the policies that govern it (and the advisory
//! index) in, findings out. `tollgate scan`, `tollgate policy` and `tollgate install`
//! (through [`Checker::check_inventory`]) all call [`check`]; none wires the checks itself.
//!
//! What [`check`] runs, per policy on the lockfiles it governs: the policy crate's
//! per-package checks (bans, sources, hashes, install-scripts, licenses, cooldown, names),
//! optionally its project checks (manifests without a lockfile, package-manager cooldown
//! settings) and the `[trust]` audit check; and over the whole inventory the advisory
//! index's findings for every exact locked version, on a second thread while the policy
//! checks run, then each policy's `unscored` severity and ignores (with `--ignore` ids).
//! For `install`, [`refusals`] then picks the findings that stop it (malicious-package
//! records of other versions of a name are for `check`, not for a resolved set).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use tollgate_advisory::{AdvisoryKind, Index, Matcher};
use tollgate_lockfile::Inventory;
use tollgate_model::{FileError, Finding, Severity};
use tollgate_policy::{Config, Context};

use crate::{Checker, GateError, ignores};

/// One policy and what it governs.
pub struct PolicyScope<'a> {
    /// The policy.
    pub config: &'a Config,
    /// The display paths of the lockfiles it governs.
    pub lockfiles: &'a [String],
    /// The scanned roots for the project checks; `None`: no project checks.
    pub roots: Option<&'a [PathBuf]>,
    /// The directory the `[trust]` store path resolves against; `None`: no trust check.
    pub trust_root: Option<&'a Path>,
}

/// What [`check`] found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Advisory findings (after ignores), then policy findings, then trust findings, each
    /// in policy order: a fixed order, so reports sorted with ties do not move.
    pub findings: Vec<Finding>,
    /// The advisory matcher's warnings.
    pub warnings: Vec<FileError>,
    /// A trust store that could not be read (not a silent pass).
    pub errors: Vec<FileError>,
    /// What the ignores hid, ignores that never expire or hid nothing.
    pub notes: Vec<String>,
    /// The advisory findings an ignore hid, each with the ignore's reason (for SBOMs'
    /// analysis state).
    pub ignored: Vec<(Finding, String)>,
}

/// Runs every check over `inventory`: each policy of `policies` over its lockfiles, the
/// advisories of `index` (none when `None`) over all of them, with `context`'s registry
/// metadata and install-time code; `ignore` are advisory ids hidden everywhere.
pub fn check(
    inventory: &Inventory,
    policies: &[PolicyScope<'_>],
    index: Option<&Index>,
    context: &Context<'_>,
    ignore: &[String],
) -> Result<Checked, GateError> {
    run(inventory, policies, index, context, ignore, false)
}

/// [`check`]; `subset`: `inventory` holds some packages of its lockfiles only (see
/// [`ignores::apply`]).
fn run(
    inventory: &Inventory,
    policies: &[PolicyScope<'_>],
    index: Option<&Index>,
    context: &Context<'_>,
    ignore: &[String],
    subset: bool,
) -> Result<Checked, GateError> {
    std::thread::scope(|scope| {
        let advisories = scope.spawn(|| match index {
            Some(index) => match_advisories(index, inventory),
            None => Ok((Vec::new(), Vec::new())),
        });
        let mut policy = Vec::new();
        let mut trust = Vec::new();
        let mut errors = Vec::new();
        for governed in policies {
            let slice = slice(inventory, governed.lockfiles);
            policy.extend(tollgate_policy::run_checks(
                &slice,
                governed.config,
                context,
            ));
            if let Some(roots) = governed.roots {
                policy.extend(tollgate_policy::run_project_checks(
                    roots,
                    &slice,
                    governed.config,
                    context.now,
                ));
            }
            if let Some(root) = governed.trust_root {
                match tollgate_trust::check::findings(&slice, governed.config, root) {
                    Ok(found) => trust.extend(found),
                    Err(error) => errors.extend(error.problems()),
                }
            }
        }
        let (advisories, warnings) = advisories
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        let mut checked = Checked {
            warnings,
            errors,
            ..Checked::default()
        };
        (checked.findings, checked.ignored) =
            apply_policies(advisories, policies, ignore, subset, &mut checked.notes);
        checked.findings.extend(policy);
        checked.findings.extend(trust);
        Ok(checked)
    })
}

/// The part of `inventory` in `lockfiles`.
fn slice(inventory: &Inventory, lockfiles: &[String]) -> Inventory {
    Inventory {
        lockfiles: inventory
            .lockfiles
            .iter()
            .filter(|l| lockfiles.contains(&l.path))
            .cloned()
            .collect(),
        errors: Vec::new(),
    }
}

/// The advisory findings and matcher warnings of every lockfile.
pub(crate) fn match_advisories(
    index: &Index,
    inventory: &Inventory,
) -> Result<(Vec<Finding>, Vec<FileError>), GateError> {
    let mut matcher = Matcher::new(index);
    let (mut findings, mut warnings) = (Vec::new(), Vec::new());
    for lockfile in &inventory.lockfiles {
        let outcome = matcher
            .match_lockfile(lockfile)
            .map_err(|source| GateError::Matching {
                lockfile: lockfile.path.clone(),
                index: index.path().to_path_buf(),
                source,
            })?;
        findings.extend(outcome.findings);
        warnings.extend(outcome.warnings);
    }
    Ok((findings, warnings))
}

/// Each policy's `unscored` severity and ignores (and the command-line `ignore` ids) on
/// the advisory findings of its lockfiles; findings of no policy's lockfile are kept as
/// they are, last. Returns the kept findings and the ignored ones with their reasons.
fn apply_policies(
    mut advisories: Vec<Finding>,
    policies: &[PolicyScope<'_>],
    ignore: &[String],
    subset: bool,
    notes: &mut Vec<String>,
) -> (Vec<Finding>, Vec<(Finding, String)>) {
    let mut kept = Vec::new();
    let mut ignored = Vec::new();
    let mut unmatched: Option<BTreeSet<String>> = None;
    for governed in policies {
        let (mut mine, rest): (Vec<Finding>, Vec<Finding>) =
            advisories.into_iter().partition(|f| {
                f.lockfile
                    .as_ref()
                    .is_some_and(|l| governed.lockfiles.contains(l))
            });
        advisories = rest;
        let unscored = governed.config.advisories.unscored_severity();
        for finding in mine.iter_mut().filter(|f| f.unscored) {
            finding.severity = unscored;
        }
        let applied = ignores::apply(governed.config, ignore, mine, subset, notes);
        kept.extend(applied.kept);
        ignored.extend(applied.ignored);
        let unmatched_here = applied.unmatched;
        unmatched = Some(match unmatched {
            Some(before) => before.intersection(&unmatched_here).cloned().collect(),
            None => unmatched_here,
        });
    }
    // Over a subset, an id that hid nothing may hide something elsewhere: listed only.
    let unmatched = if subset {
        BTreeSet::new()
    } else {
        unmatched.unwrap_or_default()
    };
    notes.extend(ignores::command_line_notes(ignore, &unmatched));
    kept.extend(advisories);
    (kept, ignored)
}

impl Checker<'_> {
    /// Every finding for the packages of a resolved set (all lockfiles of `inventory`,
    /// under the checker's policy, without project or trust checks: the manager just
    /// wrote the lock), with the notes of the policy's ignores.
    pub fn check_inventory(&self, inventory: &Inventory) -> Result<Checked, GateError> {
        let context = Context::new(self.facts, jiff::Timestamp::now());
        let lockfiles: Vec<String> = inventory.lockfiles.iter().map(|l| l.path.clone()).collect();
        let policy = PolicyScope {
            config: &self.config,
            lockfiles: &lockfiles,
            roots: None,
            trust_root: None,
        };
        check(inventory, &[policy], self.index.as_ref(), &context, &[])
    }

    /// The findings for some packages of a repository's lockfiles (`tollgate diff`'s
    /// changed packages): each lockfile under the policy of `policies` that governs it,
    /// restricted as [`Checker::new`] restricts the checker's own ([`crate::restrict`]),
    /// without project or trust checks, with the command-line `ignore` ids. Ignores that
    /// hide nothing here are listed, not reported as unused: `inventory` is a subset.
    pub fn check_changed(
        &self,
        inventory: &Inventory,
        policies: &[PolicyScope<'_>],
        ignore: &[String],
    ) -> Result<Checked, GateError> {
        let context = Context::new(self.facts, jiff::Timestamp::now());
        let configs: Vec<Config> = policies
            .iter()
            .map(|scope| {
                let mut config = scope.config.clone();
                crate::restrict(&mut config);
                config
            })
            .collect();
        let scopes: Vec<PolicyScope<'_>> = policies
            .iter()
            .zip(&configs)
            .map(|(scope, config)| PolicyScope {
                config,
                lockfiles: scope.lockfiles,
                roots: None,
                trust_root: None,
            })
            .collect();
        run(
            inventory,
            &scopes,
            self.index.as_ref(),
            &context,
            ignore,
            true,
        )
    }

    /// What was not checked (no index, with gaps allowed).
    pub fn gaps(&self) -> Vec<String> {
        self.missing_index
            .iter()
            .map(|reason| format!("advisories not checked: {reason}"))
            .collect()
    }
}

/// The findings that refuse an install: a malicious-package record always, anything else
/// at or above `fail_on`; none for a package named in `allow` (a one-off exception).
pub fn refusals<'f>(
    findings: &'f [Finding],
    fail_on: Severity,
    allow: &[String],
) -> Vec<&'f Finding> {
    findings
        .iter()
        .filter(|finding| {
            finding.code == AdvisoryKind::Malicious.code() || finding.severity >= fail_on
        })
        .filter(|finding| {
            finding
                .name
                .as_deref()
                .is_none_or(|name| !allow.iter().any(|allowed| allowed == name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::{Ecosystem, Package};

    fn finding(code: &str, severity: Severity, name: &str) -> Finding {
        Finding::for_package(
            code,
            severity,
            &Package::new(Ecosystem::Npm, name, "1.0.0"),
            "package-lock.json",
            "x".to_owned(),
        )
    }

    #[test]
    fn malicious_always_refuses_and_allow_is_per_package() {
        let findings = vec![
            finding("malicious", Severity::Low, "evil"),
            finding("vulnerability", Severity::Medium, "old"),
            finding("vulnerability", Severity::High, "older"),
        ];
        let names = |list: Vec<&Finding>| -> Vec<String> {
            list.iter().filter_map(|f| f.name.clone()).collect()
        };
        assert_eq!(
            names(refusals(&findings, Severity::High, &[])),
            ["evil", "older"]
        );
        assert_eq!(
            names(refusals(&findings, Severity::High, &["evil".to_owned()])),
            ["older"]
        );
        assert_eq!(names(refusals(&findings, Severity::Medium, &[])).len(), 3);
    }
}
