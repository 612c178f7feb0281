//! The gate's check of a resolved set: what `tollgate install` asks of the lockfile a
//! package manager wrote without fetching or running anything, before it lets the fetch
//! run. The same policy checks as [`Checker::check`] (names, bans, cooldown), the advisory
//! index's findings for every exact locked version (malicious-package records of other
//! versions of a name are for `check`, not for a resolved set); then [`refusals`] picks the findings that stop the install.

use tollgate_advisory::AdvisoryKind;
use tollgate_lockfile::Inventory;
use tollgate_model::{Finding, Severity};

use crate::{AdvisoryScope, Checker, GateError, advisory_findings};

impl Checker<'_> {
    /// Every finding for the packages of `inventory` (all its lockfiles).
    pub fn check_inventory(&self, inventory: &Inventory) -> Result<Vec<Finding>, GateError> {
        let context = tollgate_policy::Context::new(self.facts, jiff::Timestamp::now());
        let mut findings = tollgate_policy::run_checks(inventory, &self.config, &context);
        if let Some(index) = &self.index {
            findings.extend(advisory_findings(index, inventory, AdvisoryScope::Locked)?);
        }
        Ok(findings)
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
