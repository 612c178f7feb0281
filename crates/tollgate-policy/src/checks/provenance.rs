//! `[provenance]`: what the registry records about where a locked version came from (npm
//! SLSA attestations and trusted publishing, PyPI PEP 740 attestations, crates.io trusted
//! publishing; read by `tollgate-registry`, through [`MetadataSource::provenance`]).
//!
//! - `require`: a package a rule names whose version has no provenance is
//!   `provenance-missing`; so is one whose provenance is unknown (registry metadata not
//!   consulted, a registry that does not say, an answer of an unexpected shape): the check
//!   fails closed, and the summary says which.
//! - `no-downgrade`: a version without provenance while an earlier version (the ecosystem's
//!   version order) of the same package had it is `provenance-downgrade`, the sign of a
//!   release published outside the project's usual pipeline (a stolen token). An unknown
//!   provenance is never taken for none.
//!
//! Provenance only ever adds findings. It is evidence, never a pass: in June 2026, 31 npm
//! packages were published with valid SLSA provenance from a compromised repository, so a
//! version with provenance is still checked by everything else, and no check consults it to
//! lower a severity or drop a finding.

use tollgate_model::{Ecosystem, Finding, Provenance, ProvenanceHistory};
use tollgate_version::Scheme;

use super::{Locked, RuleRef, locked, package_finding};
use crate::config::Config;
use crate::metadata::MetadataSource;

/// A required package whose version has no (or unknown) provenance.
pub const CODE_MISSING: &str = "provenance-missing";
/// A version without provenance after an earlier version had it.
pub const CODE_DOWNGRADE: &str = "provenance-downgrade";

/// Runs the check over every registry package of `inventory`.
pub fn check(
    inventory: &tollgate_lockfile::Inventory,
    config: &Config,
    metadata: &dyn MetadataSource,
) -> Vec<Finding> {
    if !config.provenance.enabled() {
        return Vec::new();
    }
    locked(inventory)
        .filter(|entry| {
            matches!(
                entry.package.source,
                tollgate_model::Source::Registry { .. }
            )
        })
        .flat_map(|entry| check_package(entry, config, metadata))
        .collect()
}

fn check_package(
    entry: Locked<'_>,
    config: &Config,
    metadata: &dyn MetadataSource,
) -> Vec<Finding> {
    let section = &config.provenance;
    let package = entry.package;
    let required = section.require.iter().find(|rule| rule.matches(package));
    if required.is_none() && !section.no_downgrade {
        return Vec::new();
    }
    let (history, unknown_reason) = match metadata.provenance(package.ecosystem, &package.name) {
        Ok(Some(history)) => (history, "the registry does not say"),
        Ok(None) => (
            ProvenanceHistory::new(),
            "registry metadata not consulted (--registry-metadata)",
        ),
        Err(_) => (ProvenanceHistory::new(), "the registry could not be asked"),
    };
    let own = history.get(&package.version).cloned().unwrap_or_default();
    let mut findings = Vec::new();
    if let Some(rule) = required {
        let summary = match &own {
            Provenance::Present { .. } => None,
            Provenance::Absent => Some(format!(
                "{} {} has no provenance on the registry; the policy requires it ({})",
                package.name,
                package.version,
                rule.describe()
            )),
            Provenance::Unknown => Some(format!(
                "the provenance of {} {} is unknown ({unknown_reason}); the policy requires it ({})",
                package.name,
                package.version,
                rule.describe()
            )),
        };
        let rule_ref = RuleRef {
            id: "provenance.require",
            line: Some(rule.line),
        };
        findings.extend(summary.and_then(|summary| {
            package_finding(
                CODE_MISSING,
                section.level,
                entry,
                config,
                rule_ref,
                summary,
            )
        }));
    }
    if section.no_downgrade && own == Provenance::Absent {
        if let Some((earlier, had)) =
            earlier_with_provenance(package.ecosystem, &package.version, &history)
        {
            let summary = format!(
                "{} {} has no provenance on the registry, but the earlier version {earlier} had it \
                 ({}): a release published outside the usual pipeline?",
                package.name,
                package.version,
                had.describe()
            );
            let rule_ref = RuleRef {
                id: "provenance.no-downgrade",
                line: section.no_downgrade_line,
            };
            findings.extend(package_finding(
                CODE_DOWNGRADE,
                section.level,
                entry,
                config,
                rule_ref,
                summary,
            ));
        }
    }
    findings
}

/// The newest version before `version` (the ecosystem's order) whose provenance is present.
/// Versions that do not parse are skipped: their order is not known.
fn earlier_with_provenance<'h>(
    ecosystem: Ecosystem,
    version: &str,
    history: &'h ProvenanceHistory,
) -> Option<(&'h str, &'h Provenance)> {
    let scheme = Scheme::of_ecosystem(ecosystem);
    let this = scheme.parse(version).ok()?;
    history
        .iter()
        .filter(|(_, provenance)| provenance.is_present())
        .filter_map(|(other, provenance)| Some((scheme.parse(other).ok()?, other, provenance)))
        .filter(|(parsed, _, _)| parsed.compare(&this) == Some(std::cmp::Ordering::Less))
        .max_by(|a, b| a.0.compare(&b.0).unwrap_or(std::cmp::Ordering::Equal))
        .map(|(_, other, provenance)| (other.as_str(), provenance))
}
